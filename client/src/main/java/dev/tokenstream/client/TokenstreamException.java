package dev.tokenstream.client;

/**
 * The control API refused a call or could not be reached. For a refusal, {@link #status()} is the HTTP status
 * and the message is the problem details' {@code detail} (RFC 9457).
 */
public class TokenstreamException extends RuntimeException {

    private final int status;

    public TokenstreamException(int status, String message) {
        super(message);
        this.status = status;
    }

    public TokenstreamException(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
    }

    /** @return the HTTP status, or 0 when the service could not be reached */
    public int status() {
        return status;
    }
}
