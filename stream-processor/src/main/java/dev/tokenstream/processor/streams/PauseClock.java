package dev.tokenstream.processor.streams;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A stream's pauses: since when it is paused (by the command's time and by the processor's wall clock, for the
 * longest-pause bound), the time it spent paused before, and how many events wait in the
 * {@link StreamTopology#PAUSE_BUFFER_STORE} ({@link PauseBuffer} holds them). Only this class changes these fields;
 * their JSON names are the changelog's format ({@link StreamProgress#FORMAT}).
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.NONE, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
final class PauseClock {

    /** When the current pause was issued, epoch microseconds; null while not paused. */
    @JsonProperty("pausedAtMicros")
    private Long pausedAtMicros;
    /** Time spent in earlier pauses, milliseconds. */
    @JsonProperty("pausedMillis")
    private double pausedMillis;
    /** The processor's wall clock when the current pause began, epoch milliseconds. */
    @JsonProperty("pausedSinceMillis")
    private long pausedSinceMillis;
    /** Events waiting in the pause buffer. */
    @JsonProperty("heldEvents")
    private long heldEvents;

    PauseClock() {
    }

    /** Format 1's fields, as {@link StreamProgressV1} read them. */
    static PauseClock of(Long pausedAtMicros, double pausedMillis, long pausedSinceMillis, long heldEvents) {
        PauseClock clock = new PauseClock();
        clock.pausedAtMicros = pausedAtMicros;
        clock.pausedMillis = pausedMillis;
        clock.pausedSinceMillis = pausedSinceMillis;
        clock.heldEvents = heldEvents;
        return clock;
    }

    /** @return a copy that changes apart from this one */
    PauseClock copy() {
        return of(pausedAtMicros, pausedMillis, pausedSinceMillis, heldEvents);
    }

    /**
     * @param issuedAtMicros the pause command's time, epoch microseconds
     * @param nowMillis      the processor's wall clock, epoch milliseconds
     */
    void pause(long issuedAtMicros, long nowMillis) {
        pausedAtMicros = issuedAtMicros;
        pausedSinceMillis = nowMillis;
    }

    /** Ends the current pause, if any, at {@code nowMicros}, adding its length to the time paused. */
    void unpause(long nowMicros) {
        if (pausedAtMicros != null) {
            pausedMillis += Math.max(0, nowMicros - pausedAtMicros) / 1000.0;
            pausedAtMicros = null;
        }
    }

    void held() {
        heldEvents++;
    }

    void released() {
        heldEvents = 0;
    }

    /** @return the time paused up to {@code nowMicros}, the current pause included, milliseconds */
    double pausedMillis(long nowMicros) {
        return pausedAtMicros == null ? pausedMillis : pausedMillis + Math.max(0, nowMicros - pausedAtMicros) / 1000.0;
    }

    long pausedSinceMillis() {
        return pausedSinceMillis;
    }

    long heldEvents() {
        return heldEvents;
    }
}
