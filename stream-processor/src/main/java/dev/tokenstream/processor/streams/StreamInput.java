package dev.tokenstream.processor.streams;

import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.StreamRequest;
import dev.tokenstream.events.TokenEvent;

import java.util.List;

/** What reaches the state machine: decoded token events, a control command or a stream request. */
sealed interface StreamInput {

    /** A token event from ingest. */
    record Token(TokenEvent event) implements StreamInput {
    }

    /**
     * The token events of one record of several streams, in order (ingest's arrays, {@code TokenEventRecords}):
     * handled one by one, their frames written together.
     */
    record Tokens(List<TokenEvent> events) implements StreamInput {
    }

    /** A command from control-service. */
    record Control(ControlCommand command) implements StreamInput {
    }

    /** A stream request from control-service (used for merge group members). */
    record Request(StreamRequest request) implements StreamInput {
    }
}
