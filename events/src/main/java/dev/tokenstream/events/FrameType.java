package dev.tokenstream.events;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** The {@code type} of a {@link DeliveryFrame}, lower case on the wire. */
public enum FrameType {
    STARTED, TOKEN, REASONING, TOOL_CALL, PAUSED, RESUMED, COMPARISON, COMPLETED, FAILED, CANCELLED;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static FrameType fromWire(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    /** @return true for the frames after which a stream sends nothing more. */
    public boolean isTerminal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }
}
