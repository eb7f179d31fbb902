package dev.tokenstream.events;

/**
 * Why a stream failed.
 *
 * @param code      a stable reason code, such as {@code upstream_error}, {@code timeout} or {@code rate_limited}
 * @param message   a human-readable message (never contains secrets)
 * @param retryable whether the same request may succeed if sent again
 */
public record ErrorInfo(String code, String message, boolean retryable) {
}
