package dev.tokenstream.ingest.provider;

import dev.tokenstream.events.ErrorInfo;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.util.Locale;

/** Why a provider call failed, as one stable code on the failed frame, and whether a retry may succeed. */
public enum FailureReason {
    RATE_LIMITED(true), OVERLOADED(true), TIMEOUT(true), AUTH(false), INVALID_REQUEST(false),
    UPSTREAM_ERROR(true), CANCELLED(false), UNKNOWN_PROVIDER(false),
    /** Kafka refused an event of the stream (a send failed past {@code delivery.timeout.ms}): its log has a hole. */
    DATA_LOSS(true),
    /** Ingest itself failed while running the stream (a bug, or a resource it could not get). */
    INTERNAL_ERROR(true),
    /** Ingest stopped (SIGTERM past the drain timeout, or a newer attempt) before the stream's end. */
    INTERRUPTED(true);

    private final boolean retryable;

    FailureReason(boolean retryable) {
        this.retryable = retryable;
    }

    /** @return the wire code, e.g. {@code rate_limited}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return whether the same request may succeed if sent again */
    public boolean retryable() {
        return retryable;
    }

    /** @return a sentence for clients on what went wrong with the provider, naming nothing of its answer */
    public String clientMessage() {
        return switch (this) {
            case RATE_LIMITED -> "the provider rate-limited the request";
            case OVERLOADED -> "the provider is overloaded";
            case TIMEOUT -> "the provider did not answer in time";
            case AUTH -> "the provider refused the credentials ingest-service holds for it";
            case INVALID_REQUEST -> "the provider refused the request";
            case UPSTREAM_ERROR -> "the provider failed, or the connection to it did";
            default -> "the stream failed (" + code() + ")";
        };
    }

    /** @return the error of a failed frame with this reason and {@code message}. */
    public ErrorInfo toError(String message) {
        return new ErrorInfo(code(), message, retryable);
    }

    /**
     * Maps an HTTP error status to a reason: 429 rate limited; 401 and 403 auth; 503 and 529 overloaded; 408 and
     * 504 timeout; other 4xx invalid request; other 5xx upstream error.
     */
    public static FailureReason ofStatus(int status) {
        return switch (status) {
            case 429 -> RATE_LIMITED;
            case 401, 403 -> AUTH;
            case 503, 529 -> OVERLOADED;
            case 408, 504 -> TIMEOUT;
            default -> status >= 400 && status < 500 ? INVALID_REQUEST : UPSTREAM_ERROR;
        };
    }

    /**
     * Maps a provider's error type or code, as an error event in the stream carries it (Anthropic's
     * {@code error.type}, OpenAI's {@code error.type} or {@code error.code}), to a reason.
     */
    public static FailureReason ofProviderType(String type) {
        if (type == null) {
            return UPSTREAM_ERROR;
        }
        return switch (type) {
            case "rate_limit_error", "rate_limit_exceeded", "insufficient_quota", "billing_error" -> RATE_LIMITED;
            case "overloaded_error", "overloaded", "server_overloaded" -> OVERLOADED;
            case "authentication_error", "permission_error", "invalid_api_key" -> AUTH;
            case "invalid_request_error", "not_found_error", "model_not_found", "request_too_large" -> INVALID_REQUEST;
            case "timeout_error", "timeout" -> TIMEOUT;
            default -> UPSTREAM_ERROR;
        };
    }

    /** Maps a failure below the SDK (the HTTP stack) to a reason: timeouts, refused and dropped connections. */
    public static FailureReason ofTransport(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof InterruptedIOException || cause instanceof ConnectException) {
                return cause instanceof ConnectException ? UPSTREAM_ERROR : TIMEOUT;
            }
            if (cause instanceof IOException) {
                return UPSTREAM_ERROR;
            }
        }
        return UPSTREAM_ERROR;
    }
}
