package dev.tokenstream.relay;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.logging.Log;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.Blocking;

/**
 * {@code GET /floor?model=&prompt=&maxTokens=} as a WebSocket: the same provider call and the same messages as
 * {@code /relay}, but every message travels through two bare Kafka hops ({@link FloorHops}) before it reaches the
 * client: the physical limit of Tokenstream's shape on this broker. Closed with 1011 when no broker is configured.
 */
@WebSocket(path = "/floor")
public class FloorSocket {

    private final UpstreamTokens upstream;
    private final FloorHops hops;
    private final ObjectMapper mapper;

    public FloorSocket(UpstreamTokens upstream, FloorHops hops, ObjectMapper mapper) {
        this.upstream = upstream;
        this.hops = hops;
        this.mapper = mapper;
    }

    @OnOpen
    @Blocking
    public void onOpen(WebSocketConnection connection) {
        if (!hops.enabled()) {
            connection.closeAndAwait(new CloseReason(1011,
                    "no broker: set relay.kafka-bootstrap-servers"));
            return;
        }
        hops.register(connection);
        String id = connection.id();
        try {
            upstream.stream(connection.handshakeRequest().query(), (text, atMicros) -> hops.send(id,
                    mapper.createObjectNode().put("type", "token").put("text", text)
                            .put("emittedAtMicros", atMicros).toString()));
            hops.send(id, "{\"type\":\"completed\"}");
        } catch (RuntimeException e) {
            Log.warnf("floor stream failed: %s", e.getMessage());
            hops.send(id, "{\"type\":\"failed\"}");
        }
    }
}
