package dev.tokenstream.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.StreamStats;

/**
 * Answer of {@code GET /v1/streams/{id}}.
 *
 * @param streamId the stream
 * @param state    its state now
 * @param stats    its statistics, once the processor published any; absent before
 * @param links    for a tenant's API key: links with fresh stream tokens, to reconnect after the first ones expired
 */
public record StreamStatus(String streamId, StreamState state, StreamStats stats,
                           @JsonInclude(JsonInclude.Include.NON_NULL) StreamLinks links) {
}
