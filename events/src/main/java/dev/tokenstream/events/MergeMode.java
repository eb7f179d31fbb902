package dev.tokenstream.events;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** How a merge group turns its member streams into one stream, lower case on the wire. */
public enum MergeMode {
    /** The first member to produce content wins; the others are cancelled. */
    RACE,
    /** The first target (the primary) unless it fails or is slow to its first token; then the next. */
    FALLBACK,
    /** All members side by side, frames tagged with their member, then a comparison frame. */
    COMPARE;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException when {@code name} is no mode */
    @JsonCreator
    public static MergeMode fromWire(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
