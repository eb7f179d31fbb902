package dev.tokenstream.client;

import dev.tokenstream.events.StreamState;

/**
 * How a stream ended, as its client saw it.
 *
 * @param streamId the stream
 * @param state    COMPLETED, FAILED or CANCELLED
 * @param text     all the text received
 * @param tokens   token frames received
 * @param error    for FAILED: why; otherwise null
 */
public record StreamResult(String streamId, StreamState state, String text, long tokens, Throwable error) {
}
