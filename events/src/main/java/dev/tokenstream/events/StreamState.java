package dev.tokenstream.events;

/**
 * The life cycle of a stream: {@code REQUESTED -> STARTED -> (PAUSED <-> STARTED)* -> COMPLETED | FAILED | CANCELLED}.
 * Terminal states are final. The one rule of which {@link ControlAction} applies in which state: the control API,
 * its directory of streams and the processor (streams and merge groups) all ask {@link #allows} and {@link #after}.
 */
public enum StreamState {
    REQUESTED, STARTED, PAUSED, COMPLETED, FAILED, CANCELLED;

    /**
     * Whether this is COMPLETED, FAILED or CANCELLED, after which no command applies.
     *
     * @return true for a terminal state
     */
    public boolean isTerminal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }

    /**
     * Whether {@code action} applies in this state: pause before or while tokens flow, resume only when paused,
     * cancel until the stream ends.
     *
     * @param action the command asked for
     * @return true when the command applies; a false answer is the control API's 409
     */
    public boolean allows(ControlAction action) {
        return switch (action) {
            case PAUSE -> this == REQUESTED || this == STARTED;
            case RESUME -> this == PAUSED;
            case CANCEL -> !isTerminal();
        };
    }

    /**
     * The state once {@code action} has applied, for a state that {@link #allows} it.
     *
     * @param action  the command applied
     * @param started whether the stream had started (its first event arrived) before, which a resume returns to
     * @return PAUSED, STARTED or REQUESTED, or CANCELLED
     * @throws IllegalStateException when the action does not apply in this state
     */
    public StreamState after(ControlAction action, boolean started) {
        if (!allows(action)) {
            throw new IllegalStateException(action + " does not apply in state " + this);
        }
        return switch (action) {
            case PAUSE -> PAUSED;
            case RESUME -> started ? STARTED : REQUESTED;
            case CANCEL -> CANCELLED;
        };
    }
}
