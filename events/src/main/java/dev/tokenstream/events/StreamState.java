package dev.tokenstream.events;

/**
 * The life cycle of a stream: {@code REQUESTED -> STARTED -> (PAUSED <-> STARTED)* -> COMPLETED | FAILED | CANCELLED}.
 * Terminal states are final.
 */
public enum StreamState {
    REQUESTED, STARTED, PAUSED, COMPLETED, FAILED, CANCELLED;

    /** @return true for COMPLETED, FAILED and CANCELLED, after which no command applies. */
    public boolean isTerminal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }
}
