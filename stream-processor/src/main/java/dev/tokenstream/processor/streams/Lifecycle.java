package dev.tokenstream.processor.streams;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tokenstream.events.ControlAction;
import dev.tokenstream.events.ErrorInfo;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.TokenEventKind;

/**
 * A stream's place in the state machine of docs/design.md and what guards it: the attempt whose events count (an
 * ingest that took the stream again after a crash makes a newer one), the highest event seq applied (lower ones are
 * duplicates), the delivery seq the next frame gets, and how the stream ended. Only this class changes these fields;
 * their JSON names are the changelog's format ({@link StreamProgress#FORMAT}).
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.NONE, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
final class Lifecycle {

    /** What an incoming token event is to the stream, by its attempt and seq. */
    enum Admission {
        /** The next event of the current attempt. */
        NEXT,
        /** A seq already applied: at-least-once input, dropped. */
        DUPLICATE,
        /** An event of an older attempt than the current one: dropped. */
        SUPERSEDED,
        /** The first event seen of a newer attempt. */
        NEWER_ATTEMPT,
        /** A seq past the next one: the events between are missing from the log. */
        GAP
    }

    @JsonProperty("state")
    private StreamState state = StreamState.REQUESTED;
    @JsonProperty("started")
    private boolean started;
    /** The attempt (of ingest at the stream's request) whose events count; null before an event that names one. */
    @JsonProperty("attempt")
    private Long attempt;
    /** Highest token-event seq applied or held; lower or equal ones are duplicates. */
    @JsonProperty("lastEventSeq")
    private long lastEventSeq = -1;
    /** The delivery seq the next frame gets. */
    @JsonProperty("nextDeliverySeq")
    private long nextDeliverySeq;
    /** Answer content events (tokens, reasoning, tool calls) of the current attempt seen, held ones included. */
    @JsonProperty("contentEvents")
    private long contentEvents;
    /** The processor's wall clock at the stream's last event from ingest (or its end), epoch milliseconds. */
    @JsonProperty("lastActivityMillis")
    private long lastActivityMillis;
    @JsonProperty("finishReason")
    private String finishReason;
    @JsonProperty("error")
    private ErrorInfo error;
    /** When the stream ended, epoch microseconds. */
    @JsonProperty("endedAtMicros")
    private Long endedAtMicros;

    Lifecycle() {
    }

    /** A stream of which nothing is known yet, requested at {@code nowMillis} (the start deadline counts from it). */
    static Lifecycle requested(long nowMillis) {
        Lifecycle lifecycle = new Lifecycle();
        lifecycle.lastActivityMillis = nowMillis;
        return lifecycle;
    }

    /** Format 1's fields, as {@link StreamProgressV1} read them. */
    static Lifecycle of(StreamState state, boolean started, Long attempt, long lastEventSeq, long nextDeliverySeq,
                        long contentEvents, long lastActivityMillis, String finishReason, ErrorInfo error,
                        Long endedAtMicros) {
        Lifecycle lifecycle = new Lifecycle();
        lifecycle.state = state;
        lifecycle.started = started;
        lifecycle.attempt = attempt;
        lifecycle.lastEventSeq = lastEventSeq;
        lifecycle.nextDeliverySeq = nextDeliverySeq;
        lifecycle.contentEvents = contentEvents;
        lifecycle.lastActivityMillis = lastActivityMillis;
        lifecycle.finishReason = finishReason;
        lifecycle.error = error;
        lifecycle.endedAtMicros = endedAtMicros;
        return lifecycle;
    }

    /** @return a copy that changes apart from this one */
    Lifecycle copy() {
        return of(state, started, attempt, lastEventSeq, nextDeliverySeq, contentEvents, lastActivityMillis,
                finishReason, error, endedAtMicros);
    }

    /**
     * Fences and dedupes an event by its attempt and seq. Adopts the event's attempt when none was known.
     *
     * @return what the event is to the stream; only {@link Admission#NEXT} and {@link Admission#GAP} are applied
     *         (see {@link #advance})
     */
    Admission admit(TokenEvent event) {
        Long eventAttempt = event.attempt();
        if (eventAttempt != null && attempt != null && !eventAttempt.equals(attempt)) {
            return eventAttempt < attempt ? Admission.SUPERSEDED : Admission.NEWER_ATTEMPT;
        }
        if (eventAttempt != null) {
            attempt = eventAttempt;
        }
        if (event.seq() <= lastEventSeq) {
            return Admission.DUPLICATE;
        }
        return event.seq() == lastEventSeq + 1 ? Admission.NEXT : Admission.GAP;
    }

    /**
     * Records an admitted event as the latest applied.
     *
     * @return the first seq that was missing before it (equal to its own seq when none was)
     */
    long advance(TokenEvent event, long nowMillis) {
        long missingFrom = lastEventSeq + 1;
        lastEventSeq = event.seq();
        lastActivityMillis = nowMillis;
        return missingFrom;
    }

    /** Counts an event of an open stream that the client will see as answer content (held ones included). */
    void countContent(TokenEvent event) {
        if (event.kind().isContent()) {
            contentEvents++;
        }
    }

    /** Whether a newer attempt may replace the current one unseen: the stream is open and saw no content. */
    boolean replaceable() {
        return !state.isTerminal() && contentEvents == 0;
    }

    /**
     * Whether {@code event}, the first of a newer attempt, continues this open stream: a started event whose seq
     * follows the last event applied (ingest read the answer so far up to there and asked the provider to go on).
     */
    boolean continuedBy(TokenEvent event) {
        return !state.isTerminal() && event.kind() == TokenEventKind.STARTED && event.seq() > 0
                && event.seq() == lastEventSeq + 1;
    }

    /** Makes {@code newerAttempt} the current one, its events counted from seq 0. */
    void replaceAttempt(long newerAttempt) {
        attempt = newerAttempt;
        lastEventSeq = -1;
    }

    /** Makes {@code newerAttempt} the current one without replacing the events seen (it continues, or the stream fails). */
    void adoptAttempt(long newerAttempt) {
        attempt = newerAttempt;
    }

    /** @return the delivery seq of the next frame, then counts it */
    long nextDeliverySeq() {
        return nextDeliverySeq++;
    }

    /** The stream's first sign of life: STARTED, once. */
    void markStarted() {
        if (!started) {
            started = true;
            state = StreamState.STARTED;
        }
    }

    /**
     * Applies a command that {@link StreamState#allows} in the current state.
     *
     * @param issuedAtMicros when the command was issued, epoch microseconds (a cancel's end)
     * @param nowMillis      the processor's wall clock: a resume or cancel is activity (the stall timeout counts
     *                       from it)
     */
    void command(ControlAction action, long issuedAtMicros, long nowMillis) {
        state = state.after(action, started);
        if (action != ControlAction.PAUSE) {
            lastActivityMillis = nowMillis;
        }
        if (action == ControlAction.CANCEL) {
            finishReason = "cancelled";
            endedAtMicros = issuedAtMicros;
        }
    }

    /**
     * Ends the stream.
     *
     * @param endedAtMicros when, epoch microseconds
     */
    void end(StreamState terminal, String finishReason, ErrorInfo error, Long endedAtMicros, long nowMillis) {
        state = terminal;
        this.finishReason = finishReason;
        this.error = error;
        this.endedAtMicros = endedAtMicros;
        lastActivityMillis = nowMillis;
    }

    StreamState state() {
        return state;
    }

    boolean started() {
        return started;
    }

    boolean isTerminal() {
        return state.isTerminal();
    }

    Long attempt() {
        return attempt;
    }

    long lastEventSeq() {
        return lastEventSeq;
    }

    long contentEvents() {
        return contentEvents;
    }

    long lastActivityMillis() {
        return lastActivityMillis;
    }

    String finishReason() {
        return finishReason;
    }

    ErrorInfo error() {
        return error;
    }

    Long endedAtMicros() {
        return endedAtMicros;
    }
}
