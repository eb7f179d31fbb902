package dev.tokenstream.relay;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.logging.Log;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.Blocking;

/**
 * {@code GET /relay?model=&prompt=&maxTokens=} as a WebSocket: streams one chat completion from the provider
 * through the official OpenAI SDK and sends every content delta to the client as it arrives, as
 * {@code {"type":"token","text":...,"emittedAtMicros":...}}, then {@code {"type":"completed"}} and a normal close.
 * No Kafka, no state, no resume: the least a relay can do, the benchmark's baseline.
 */
@WebSocket(path = "/relay")
public class RelaySocket {

    private final UpstreamTokens upstream;
    private final ObjectMapper mapper;

    public RelaySocket(UpstreamTokens upstream, ObjectMapper mapper) {
        this.upstream = upstream;
        this.mapper = mapper;
    }

    @OnOpen
    @Blocking
    public void onOpen(WebSocketConnection connection) {
        try {
            upstream.stream(connection.handshakeRequest().query(), (text, atMicros) -> connection.sendTextAndAwait(
                    mapper.createObjectNode().put("type", "token").put("text", text)
                            .put("emittedAtMicros", atMicros).toString()));
            connection.sendTextAndAwait("{\"type\":\"completed\"}");
        } catch (RuntimeException e) {
            Log.warnf("relay failed: %s", e.getMessage());
            connection.sendTextAndAwait("{\"type\":\"failed\"}");
        }
        connection.closeAndAwait();
    }
}
