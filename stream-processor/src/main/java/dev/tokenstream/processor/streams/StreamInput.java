package dev.tokenstream.processor.streams;

import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.TokenEvent;

/** What reaches the state machine: a decoded token event or a decoded control command. */
sealed interface StreamInput {

    /** A token event from ingest. */
    record Token(TokenEvent event) implements StreamInput {
    }

    /** A command from control-service. */
    record Control(ControlCommand command) implements StreamInput {
    }
}
