package dev.tokenstream.events;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/**
 * How the processor coalesces a stream's tokens into token frames. Terminal frames always flush what is waiting,
 * and so do pause and cancel; tokens held during a pause are released through the same policy.
 *
 * @param mode how
 * @param size TOKENS: tokens per frame; CHARACTERS: at least this many characters; WINDOW: milliseconds per frame
 */
public record Buffering(Mode mode, Integer size) {

    /** Each token its own frame. */
    public static final Buffering NONE = new Buffering(Mode.NONE, null);

    /** The coalescing modes, lower case on the wire. */
    public enum Mode {
        /** Each token its own frame. */
        NONE,
        /** Every {@code size} tokens. */
        TOKENS,
        /** At least {@code size} characters. */
        CHARACTERS,
        /** What arrived in each {@code size} ms window (wall clock). */
        WINDOW,
        /** Whole words: a frame ends before a token that starts with white space, or after one that ends with it. */
        WORDS,
        /** Whole sentences: a frame ends after a token that ends a sentence (. ! ? or a line break). */
        SENTENCES;

        @JsonValue
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        public static Mode fromWire(String name) {
            return valueOf(name.toUpperCase(Locale.ROOT));
        }

        /** @return whether the mode needs a {@code size} */
        public boolean needsSize() {
            return this == TOKENS || this == CHARACTERS || this == WINDOW;
        }
    }
}
