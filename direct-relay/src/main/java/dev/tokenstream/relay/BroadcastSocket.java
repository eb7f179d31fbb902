package dev.tokenstream.relay;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.quarkus.logging.Log;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.PathParam;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.Blocking;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code GET /broadcast/{channel}?subscribers=&model=&prompt=&maxTokens=} as a WebSocket: a plain broadcaster, the
 * fan-out's baseline. Clients of one channel wait until {@code subscribers} of them are connected; then one provider
 * call (the relay's, {@link UpstreamTokens}) streams, and every message, encoded once, is sent to each of them as it
 * arrives (the relay's messages: token, then completed or failed); then they are closed. No Kafka, no log, no
 * resume: what one process does to fan a stream out, for the benchmark's comparison.
 */
@WebSocket(path = "/broadcast/{channel}")
public class BroadcastSocket {

    private final UpstreamTokens upstream;
    private final ObjectMapper mapper;
    private final Map<String, List<WebSocketConnection>> channels = new ConcurrentHashMap<>();
    private final ExecutorService calls = Executors.newCachedThreadPool(runnable -> {
        var thread = new Thread(runnable, "broadcast-upstream");
        thread.setDaemon(true);
        return thread;
    });

    public BroadcastSocket(UpstreamTokens upstream, ObjectMapper mapper) {
        this.upstream = upstream;
        this.mapper = mapper;
    }

    @OnOpen
    @Blocking
    public void onOpen(WebSocketConnection connection, @PathParam String channel) {
        String query = connection.handshakeRequest().query();
        int expected;
        try {
            List<String> values = new QueryStringDecoder(query == null ? "" : query, false).parameters()
                    .getOrDefault("subscribers", List.of());
            expected = Integer.parseInt(values.isEmpty() ? "" : values.get(0));
        } catch (NumberFormatException e) {
            connection.closeAndAwait(new CloseReason(1008, "subscribers must be a number"));
            return;
        }
        List<WebSocketConnection> subscribers = channels.computeIfAbsent(channel, id -> new CopyOnWriteArrayList<>());
        boolean last;
        synchronized (subscribers) {
            subscribers.add(connection);
            last = subscribers.size() == expected;
        }
        if (last) {
            calls.execute(() -> broadcast(channel, query, subscribers));
        }
    }

    @OnClose
    public void onClose(WebSocketConnection connection, @PathParam String channel) {
        List<WebSocketConnection> subscribers = channels.get(channel);
        if (subscribers != null) {
            subscribers.remove(connection);
        }
    }

    private void broadcast(String channel, String query, List<WebSocketConnection> subscribers) {
        try {
            upstream.stream(query, (text, atMicros) -> send(subscribers, mapper.createObjectNode()
                    .put("type", "token").put("text", text).put("emittedAtMicros", atMicros).toString()));
            send(subscribers, "{\"type\":\"completed\"}");
        } catch (RuntimeException e) {
            Log.warnf("broadcast %s failed: %s", channel, e.getMessage());
            send(subscribers, "{\"type\":\"failed\"}");
        } finally {
            channels.remove(channel);
            subscribers.forEach(connection -> connection.close().subscribe().with(ok -> { }, failure -> { }));
        }
    }

    /** Hands the message to every connection's event loop without waiting for the writes. */
    private static void send(List<WebSocketConnection> subscribers, String message) {
        for (WebSocketConnection connection : subscribers) {
            connection.sendText(message).subscribe().with(ok -> { }, failure ->
                    Log.debugf("broadcast write failed: %s", failure.getMessage()));
        }
    }
}
