package dev.tokenstream.ingest.provider;

import com.openai.errors.OpenAIServiceException;
import com.openai.errors.SseException;
import dev.tokenstream.events.ErrorInfo;

import java.io.InterruptedIOException;
import java.util.Locale;

/** Why a provider call failed, as one stable code on the failed frame. */
public enum FailureReason {
    RATE_LIMITED(true), OVERLOADED(true), TIMEOUT(true), AUTH(false), INVALID_REQUEST(false),
    UPSTREAM_ERROR(true), CANCELLED(false), UNKNOWN_PROVIDER(false);

    private final boolean retryable;

    FailureReason(boolean retryable) {
        this.retryable = retryable;
    }

    /** @return the wire code, e.g. {@code rate_limited}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return the error of a failed frame with this reason and {@code message}. */
    public ErrorInfo toError(String message) {
        return new ErrorInfo(code(), message, retryable);
    }

    /**
     * Maps an exception of the OpenAI SDK (or of the HTTP stack under it) to a reason.
     *
     * @param error what the SDK threw
     * @return the matching reason; {@link #UPSTREAM_ERROR} when nothing more specific fits
     */
    public static FailureReason of(Throwable error) {
        if (error instanceof OpenAIServiceException service && !(error instanceof SseException)) {
            int status = service.statusCode();
            if (status == 429) {
                return RATE_LIMITED;
            }
            if (status == 401 || status == 403) {
                return AUTH;
            }
            if (status == 529 || status == 503) {
                return OVERLOADED;
            }
            if (status >= 400 && status < 500) {
                return INVALID_REQUEST;
            }
            return UPSTREAM_ERROR;
        }
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof InterruptedIOException) {
                return TIMEOUT;
            }
        }
        return UPSTREAM_ERROR;
    }
}
