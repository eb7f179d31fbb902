package dev.tokenstream.ingest.provider;

import dev.tokenstream.events.ErrorInfo;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * Why a provider call failed.
 *
 * @param reason       the stable reason
 * @param message      what the provider, the HTTP stack or ingest said (never holds a key); for the log
 * @param providerCode the provider's own error type or code, or null
 * @param retryAfter   how long the provider asked us to wait ({@code Retry-After}, {@code retry-after-ms}), or null
 * @param fromProvider whether {@code message} holds the provider's (or the HTTP stack's) own words, which may name
 *                     internal hosts or echo the request: then clients get only the reason's plain sentence
 */
record UpstreamFailure(FailureReason reason, String message, String providerCode, Duration retryAfter,
                       boolean fromProvider) {

    /** A failure ingest itself decided (a timeout of its own), in its own words. */
    UpstreamFailure(FailureReason reason, String message) {
        this(reason, message, null, null, false);
    }

    /** A failure the provider or the HTTP stack reported, in its words, which stay in the log. */
    static UpstreamFailure reported(FailureReason reason, String message, String providerCode, Duration retryAfter) {
        return new UpstreamFailure(reason, message, providerCode, retryAfter, true);
    }

    /**
     * @return the error of the failed event: a code, a message safe to show (the provider's own words are not),
     *         and the provider's error code when it is a plain identifier
     */
    ErrorInfo toError() {
        String code = providerCode != null && providerCode.matches("[A-Za-z0-9_.-]{1,64}") ? providerCode : null;
        return new ErrorInfo(reason.code(), fromProvider ? reason.clientMessage() : message, reason.retryable(), code);
    }

    /**
     * Reads how long a provider asks us to wait: {@code retry-after-ms} (milliseconds, OpenAI) first, else
     * {@code Retry-After} as seconds (RFC 9110 section 10.2.3; fractions accepted) or as an HTTP date.
     *
     * @return the wait, or null when neither header is there or readable
     */
    static Duration retryAfter(List<String> retryAfterMs, List<String> retryAfter) {
        try {
            if (!retryAfterMs.isEmpty()) {
                return Duration.ofMillis(Math.max(0, Math.round(Double.parseDouble(retryAfterMs.get(0).trim()))));
            }
            if (!retryAfter.isEmpty()) {
                String value = retryAfter.get(0).trim();
                if (value.chars().allMatch(c -> Character.isDigit(c) || c == '.')) {
                    return Duration.ofMillis(Math.round(Double.parseDouble(value) * 1000));
                }
                Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration wait = Duration.between(Instant.now(), at);
                return wait.isNegative() ? Duration.ZERO : wait;
            }
        } catch (NumberFormatException | DateTimeParseException e) {
            return null;
        }
        return null;
    }
}
