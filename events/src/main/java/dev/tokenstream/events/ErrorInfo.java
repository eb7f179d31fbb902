package dev.tokenstream.events;

/**
 * Why a stream failed.
 *
 * @param code      a stable reason code, such as {@code upstream_error}, {@code timeout} or {@code rate_limited}
 * @param message   a human-readable message (never contains secrets)
 * @param retryable whether the same request may succeed if sent again
 * @param providerCode the provider's own error type or code when it gave one ({@code overloaded_error},
 *                  {@code server_error}, {@code rate_limit_exceeded}, ...), else null
 */
public record ErrorInfo(String code, String message, boolean retryable, String providerCode) {

    /** An error of Tokenstream's own, with no provider code. */
    public ErrorInfo(String code, String message, boolean retryable) {
        this(code, message, retryable, null);
    }
}
