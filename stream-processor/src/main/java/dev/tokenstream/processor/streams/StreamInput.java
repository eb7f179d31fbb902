package dev.tokenstream.processor.streams;

import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.StreamRequest;
import dev.tokenstream.events.TokenEvent;

/** What reaches the state machine: a decoded token event, control command or stream request. */
sealed interface StreamInput {

    /** A token event from ingest. */
    record Token(TokenEvent event) implements StreamInput {
    }

    /** A command from control-service. */
    record Control(ControlCommand command) implements StreamInput {
    }

    /** A stream request from control-service (used for merge group members). */
    record Request(StreamRequest request) implements StreamInput {
    }
}
