package dev.tokenstream.replay;

/** A stream cannot be replayed; {@link #reason()} says why and the message says it to a person. */
public class ReplayException extends RuntimeException {

    /** Why a stream cannot be replayed. */
    public enum Reason {
        /** No event and no statistics of the stream exist: the id was never used on this cluster. */
        NEVER_EXISTED,
        /** Its statistics remain (compacted topic) but its events are past the tokens topic's retention. */
        EXPIRED
    }

    private final Reason reason;

    public ReplayException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
