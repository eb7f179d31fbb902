package dev.tokenstream.client;

import java.net.URI;

/**
 * What is known of a stream when it starts.
 *
 * @param streamId its id
 * @param ws       its WebSocket URL
 * @param sse      its Server-Sent Events URL
 */
public record StreamMetadata(String streamId, URI ws, URI sse) {
}
