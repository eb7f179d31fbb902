package dev.tokenstream.processor.streams;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tokenstream.events.Buffering;
import dev.tokenstream.events.DeliveryFrame;

/**
 * A stream's token frame in the making: the text of the tokens waiting to be coalesced, their count and times, and
 * the request's coalescing policy, asked through its {@link Coalescer}. Only this class changes these fields; their
 * JSON names are the changelog's format ({@link StreamProgress#FORMAT}).
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.NONE, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
final class PendingFrame {

    /** The request's coalescing policy, or null for the processor's default. */
    @JsonProperty("buffering")
    private Buffering buffering;
    /** Token text waiting to be coalesced into the next frame. */
    @JsonProperty("text")
    private String text = "";
    @JsonProperty("tokens")
    private int tokens;
    /** When ingest received the last pending token, epoch microseconds. */
    @JsonProperty("lastEmittedAtMicros")
    private long lastEmittedAtMicros;
    /** When ingest received the first pending token (window mode: its window starts there), epoch microseconds. */
    @JsonProperty("firstEmittedAtMicros")
    private long firstEmittedAtMicros;
    /** The processor's wall clock when the first pending token arrived (window mode), epoch milliseconds. */
    @JsonProperty("sinceMillis")
    private long sinceMillis;

    PendingFrame() {
    }

    /** Format 1's fields, as {@link StreamProgressV1} read them. */
    static PendingFrame of(Buffering buffering, String text, int tokens, long lastEmittedAtMicros,
                           long firstEmittedAtMicros, long sinceMillis) {
        PendingFrame pending = new PendingFrame();
        pending.buffering = buffering;
        pending.text = text == null ? "" : text;
        pending.tokens = tokens;
        pending.lastEmittedAtMicros = lastEmittedAtMicros;
        pending.firstEmittedAtMicros = firstEmittedAtMicros;
        pending.sinceMillis = sinceMillis;
        return pending;
    }

    /** @return a copy that changes apart from this one */
    PendingFrame copy() {
        return of(buffering, text, tokens, lastEmittedAtMicros, firstEmittedAtMicros, sinceMillis);
    }

    /** Takes the request's coalescing policy (from ingest's started event); null keeps the processor's default. */
    void buffering(Buffering requested) {
        buffering = requested;
    }

    /** @return the stream's policy: its request's, else {@code processorDefault} */
    Coalescer coalescer(Buffering processorDefault) {
        return Coalescer.of(buffering != null ? buffering : processorDefault);
    }

    /** Whether what waits goes out before a token of {@code text}, received at {@code emittedAtMicros}, joins it. */
    boolean flushesBefore(Coalescer coalescer, String text, long emittedAtMicros) {
        long windowMicros = coalescer.windowMillis() * 1000;
        return coalescer.flushBefore(text, tokens)
                || windowMicros > 0 && tokens > 0 && emittedAtMicros - firstEmittedAtMicros >= windowMicros;
    }

    /**
     * Adds a token.
     *
     * @param emittedAtMicros when ingest received it, epoch microseconds
     * @param nowMillis       the processor's wall clock, epoch milliseconds
     */
    void add(String token, long emittedAtMicros, long nowMillis) {
        if (tokens == 0) {
            sinceMillis = nowMillis;
            firstEmittedAtMicros = emittedAtMicros;
        }
        text += token;
        tokens++;
        lastEmittedAtMicros = emittedAtMicros;
    }

    /** Whether what waits, the token of {@code token} just added included, goes out now. */
    boolean flushesAfter(Coalescer coalescer, String token, boolean endOfRecord) {
        return coalescer.flushAfter(token, text, tokens, endOfRecord);
    }

    /** Whether a window-mode frame is due by the wall clock: its window and {@code graceMillis} are over. */
    boolean windowDue(Coalescer coalescer, long nowMillis, long graceMillis) {
        return nowMillis - sinceMillis >= coalescer.windowMillis() + graceMillis;
    }

    boolean isEmpty() {
        return tokens == 0;
    }

    /**
     * Takes what waits as one token frame.
     *
     * @param seq the frame's delivery seq
     * @return the frame; call only when not {@link #isEmpty}
     */
    DeliveryFrame take(String streamId, long seq) {
        DeliveryFrame frame = DeliveryFrame.tokens(streamId, seq, text, tokens, lastEmittedAtMicros);
        text = "";
        tokens = 0;
        return frame;
    }
}
