package dev.tokenstream.events;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/**
 * The {@code type} of a {@link DeliveryFrame}, lower case on the wire. {@code continued}: the generation went on
 * in a new provider call after the instance calling the provider was lost; the next token follows the last one
 * without a gap or a repeat (docs/protocol.md).
 */
public enum FrameType {
    STARTED, TOKEN, REASONING, TOOL_CALL, PAUSED, RESUMED, CONTINUED, COMPARISON, COMPLETED, FAILED, CANCELLED;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static FrameType fromWire(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    /**
     * Whether a type name on the wire is one of this protocol version's; a client skips frames of types that later
     * versions add.
     *
     * @param name a frame's {@code type} as sent
     * @return true when {@link #fromWire} knows it
     */
    public static boolean isKnown(String name) {
        for (FrameType type : values()) {
            if (type.wireName().equals(name)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a stream sends nothing more after a frame of this type.
     *
     * @return true for completed, failed and cancelled
     */
    public boolean isTerminal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }
}
