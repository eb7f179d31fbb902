package dev.tokenstream.delivery.ws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenstream.delivery.messaging.Frame;
import dev.tokenstream.delivery.messaging.FrameLogs;
import dev.tokenstream.delivery.messaging.FrameSink;
import dev.tokenstream.delivery.messaging.Subscriber;
import dev.tokenstream.delivery.rest.ControlApi;
import dev.tokenstream.events.serde.Json;
import io.quarkus.logging.Log;
import io.quarkus.websockets.next.CloseReason;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.inject.RestClient;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code GET /v1/streams/{id}/ws?after=<seq>}: the stream's delivery frames as JSON text messages, in order,
 * each exactly once. Without {@code after} delivery starts at the stream's first frame; with it, at the first
 * frame whose seq is greater. After the terminal frame (completed, failed, cancelled) the server closes with
 * 1000. Client messages {@code {"op":"pause"|"resume"|"cancel"}} are relayed to control-service and answered
 * with {@code {"type":"ack",...}} or {@code {"type":"error",...}}; these answers carry no seq. A client too far
 * behind gets merged token frames, then close code 4001 with the seq to resume after. A malformed
 * client message gets an error frame and the connection stays open. A malformed {@code after} gets an error
 * frame and close code 1008.
 */
@WebSocket(path = "/v1/streams/{id}/ws")
public class StreamSocket {

    private static final Set<String> OPS = Set.of("pause", "resume", "cancel");

    private final FrameLogs logs;
    private final ControlApi control;
    private final Map<String, Subscriber> subscriptions = new ConcurrentHashMap<>();

    public StreamSocket(FrameLogs logs, @RestClient ControlApi control, MeterRegistry registry) {
        this.logs = logs;
        this.control = control;
        registry.gaugeMapSize("tokenstream.websocket.connections", Tags.empty(), subscriptions);
    }

    @OnOpen
    public void onOpen(WebSocketConnection connection) {
        String id = connection.pathParam("id");
        long after;
        try {
            after = afterSeq(connection.handshakeRequest().query());
        } catch (IllegalArgumentException e) {
            connection.sendText(error(id, null, 400, e.getMessage()))
                    .chain(() -> connection.close(new CloseReason(1008, "bad after parameter")))
                    .subscribe().with(ok -> { }, failure -> { });
            return;
        }
        subscriptions.put(connection.id(), logs.subscribe(id, after, new FrameSink() {
            @Override
            public Uni<Void> send(Frame frame) {
                return connection.sendText(frame.json());
            }

            @Override
            public void end() {
                connection.close(CloseReason.NORMAL).subscribe().with(ok -> { }, failure -> { });
            }

            @Override
            public void tooFarBehind(long lastSeq) {
                connection.close(new CloseReason(FrameSink.TOO_FAR_BEHIND, "too far behind; reconnect with after="
                        + lastSeq)).subscribe().with(ok -> { }, failure -> { });
            }
        }));
        Log.debugf("stream %s: WebSocket client %s subscribed after seq %d", id, connection.id(), after);
    }

    @OnTextMessage
    public Uni<Void> onMessage(String message, WebSocketConnection connection) {
        String id = connection.pathParam("id");
        String op;
        try {
            JsonNode node = Json.MAPPER.readTree(message);
            op = node == null ? null : node.path("op").asText(null);
        } catch (IOException e) {
            return connection.sendText(error(id, null, 400, "client frames are JSON objects like {\"op\":\"pause\"}"));
        }
        if (op == null || !OPS.contains(op)) {
            return connection.sendText(error(id, op, 400, "op must be one of pause, resume, cancel"));
        }
        return control.command(id, op)
                .onItem().transform(response -> answer(id, op, response))
                .onFailure().recoverWithItem(e -> error(id, op, 503, "control-service unreachable: " + e.getMessage()))
                .chain(connection::sendText);
    }

    @OnClose
    public void onClose(WebSocketConnection connection) {
        Subscriber subscriber = subscriptions.remove(connection.id());
        if (subscriber != null) {
            subscriber.close();
        }
    }

    private static String answer(String id, String op, Response response) {
        JsonNode body = ControlApi.body(response);
        if (response.getStatus() == 202) {
            ObjectNode ack = Json.MAPPER.createObjectNode().put("type", "ack").put("streamId", id).put("op", op);
            ack.put("commandId", body.path("commandId").asText(null));
            return ack.toString();
        }
        return error(id, op, response.getStatus(), body.path("detail").asText("control-service answered "
                + response.getStatus()));
    }


    static String error(String id, String op, int status, String detail) {
        ObjectNode error = Json.MAPPER.createObjectNode().put("type", "error").put("streamId", id);
        if (op != null) {
            error.put("op", op);
        }
        return error.put("status", status).put("detail", detail).toString();
    }

    /** Parses {@code after} from a raw query string; absent means -1 (from the first frame). */
    static long afterSeq(String query) {
        if (query == null || query.isEmpty()) {
            return -1;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (name.equals("after")) {
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                try {
                    long after = Long.parseLong(value);
                    if (after >= -1) {
                        return after;
                    }
                } catch (NumberFormatException e) {
                    // reported below
                }
                throw new IllegalArgumentException("after must be a delivery seq (an integer from -1), not '" + value + "'");
            }
        }
        return -1;
    }
}
