package dev.tokenstream.client;

/** The stream ended with a {@code failed} frame: the provider call failed. */
public class StreamFailedException extends RuntimeException {

    private final String code;
    private final boolean retryable;

    public StreamFailedException(String code, String message, boolean retryable) {
        super(code + ": " + message);
        this.code = code;
        this.retryable = retryable;
    }

    /** @return the reason code, e.g. {@code rate_limited}, {@code upstream_error} */
    public String code() {
        return code;
    }

    /** @return whether the same request may succeed if sent again */
    public boolean retryable() {
        return retryable;
    }
}
