package dev.tokenstream.control.problem;

import jakarta.ws.rs.core.Response;

import java.util.Locale;

/**
 * An expected failure of a request, raised by any layer and answered as RFC 9457 problem details by the REST
 * layer's {@code ProblemMapper}.
 */
public class ProblemException extends RuntimeException {

    /** Why a request failed; each reason has its HTTP status and a stable type URI. */
    public enum Reason {
        INVALID_REQUEST(Response.Status.BAD_REQUEST, "Invalid request"),
        STREAM_NOT_FOUND(Response.Status.NOT_FOUND, "Stream not found"),
        FORBIDDEN(Response.Status.FORBIDDEN, "Not allowed with this credential"),
        STATE_CONFLICT(Response.Status.CONFLICT, "Command does not fit the stream's state"),
        KAFKA_UNAVAILABLE(Response.Status.SERVICE_UNAVAILABLE, "Kafka did not acknowledge the write"),
        IDEMPOTENCY_KEY_REUSED(422, "Idempotency-Key reused with another request"),
        PROCESSOR_UNAVAILABLE(Response.Status.SERVICE_UNAVAILABLE, "Stream state not available yet"),
        CATALOG_UNKNOWN(Response.Status.SERVICE_UNAVAILABLE, "No provider catalog yet"),
        QUOTA_EXCEEDED(429, "Quota exceeded"),
        SESSION_NOT_FOUND(Response.Status.NOT_FOUND, "Session not found"),
        DELIVERY_UNAVAILABLE(Response.Status.SERVICE_UNAVAILABLE, "A stream's answer could not be read");

        private final int status;
        private final String title;

        Reason(Response.Status status, String title) {
            this(status.getStatusCode(), title);
        }

        Reason(int status, String title) {
            this.status = status;
            this.title = title;
        }

        /** @return the HTTP status it is answered with */
        public int status() {
            return status;
        }

        /** @return the problem's title, the same for every occurrence */
        public String title() {
            return title;
        }

        /** @return the problem's type URI */
        public String type() {
            return "https://tokenstream.dev/problems/" + name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    private final Reason reason;
    private final long retryAfterSeconds;

    public ProblemException(Reason reason, String detail) {
        this(reason, detail, reason.status == 503 ? 1 : 0);
    }

    /** @param retryAfterSeconds the {@code Retry-After} to answer with; 0 for none */
    public ProblemException(Reason reason, String detail, long retryAfterSeconds) {
        super(detail);
        this.reason = reason;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** @return seconds the client should wait before trying again; 0 when waiting will not help */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public Reason reason() {
        return reason;
    }
}
