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
 * @param message      what the provider or the HTTP stack said (never holds a key)
 * @param providerCode the provider's own error type or code, or null
 * @param retryAfter   how long the provider asked us to wait ({@code Retry-After}, {@code retry-after-ms}), or null
 */
record UpstreamFailure(FailureReason reason, String message, String providerCode, Duration retryAfter) {

    UpstreamFailure(FailureReason reason, String message) {
        this(reason, message, null, null);
    }

    /** @return the error of the failed event */
    ErrorInfo toError() {
        return new ErrorInfo(reason.code(), message, reason.retryable(), providerCode);
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
