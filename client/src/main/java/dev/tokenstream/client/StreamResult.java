package dev.tokenstream.client;

import dev.tokenstream.events.StreamState;

/**
 * How a stream ended, as its client saw it.
 *
 * @param streamId the stream
 * @param state    COMPLETED, FAILED or CANCELLED
 * @param text     all the text received
 * @param tokens      answer tokens received: the provider's tokens, however many a frame held
 * @param tokenFrames token frames received (a frame may hold several tokens: coalescing, batching)
 * @param error    for FAILED: why; otherwise null
 */
public record StreamResult(String streamId, StreamState state, String text, long tokens, long tokenFrames,
                           Throwable error) {
}
