package dev.tokenstream.delivery.ws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstream.auth.Caller;
import dev.tokenstream.delivery.messaging.Frame;
import dev.tokenstream.delivery.messaging.FrameLogs;
import dev.tokenstream.delivery.messaging.FrameSink;
import dev.tokenstream.delivery.messaging.OwnerFeeds;
import dev.tokenstream.delivery.messaging.PartitionOwners;
import dev.tokenstream.delivery.messaging.Subscriber;
import dev.tokenstream.delivery.client.ControlApi;
import dev.tokenstream.events.ClientOp;
import dev.tokenstream.events.OpReply;
import dev.tokenstream.events.StreamIds;
import dev.tokenstream.events.serde.Json;
import dev.tokenstream.delivery.access.StreamAccess;
import io.quarkus.logging.Log;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.websockets.next.CloseReason;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.inject.RestClient;

import java.io.IOException;
import java.util.List;
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
 * <p>
 * The handshake is authenticated ({@code ?token=<stream token>} from the stream's links, or
 * {@code Authorization: Bearer <stream token>}): without a credential it is answered 401; a credential that may not
 * read this stream ({@link StreamAccess}) gets an error frame with 403 or 404 and close code 1008. Ops are relayed
 * to control-service with the same credential.
 * <p>
 * Any instance serves any stream: one that does not own the stream's deliveries partition feeds its clients from the
 * owner ({@link OwnerFeeds}), over this same endpoint with the services' key; such a peer gets every frame unmerged,
 * and close code {@value OwnerFeeds#NOT_OWNER} when this instance does not own the partition (any more).
 */
@WebSocket(path = "/v1/streams/{id}/ws")
public class StreamSocket {

    private static final Set<String> OPS = Set.of("pause", "resume", "cancel");

    private final FrameLogs logs;
    private final PartitionOwners owners;
    private final ControlApi control;
    private final StreamAccess access;
    private final SecurityIdentity identity;
    private final Map<String, Subscriber> subscriptions = new ConcurrentHashMap<>();

    public StreamSocket(FrameLogs logs, PartitionOwners owners, @RestClient ControlApi control, StreamAccess access,
                        SecurityIdentity identity, MeterRegistry registry) {
        this.logs = logs;
        this.owners = owners;
        this.control = control;
        this.access = access;
        this.identity = identity;
        registry.gaugeMapSize("tokenstream.websocket.connections", Tags.empty(), subscriptions);
    }

    @OnOpen
    public void onOpen(WebSocketConnection connection) {
        String raw = connection.pathParam("id");
        String id = StreamIds.isValid(raw) ? raw : null;
        long after;
        try {
            if (id == null) {
                throw new IllegalArgumentException("the stream id in the path must be a UUID");
            }
            after = afterSeq(connection.handshakeRequest().query());
        } catch (IllegalArgumentException e) {
            refuse(connection, id, 400, e.getMessage(), "bad stream id or after parameter");
            return;
        }
        StreamAccess.Refusal refusal = access.check(identity, id, connection.handshakeRequest().header("Origin"),
                connection.handshakeRequest().header("Host"));
        if (refusal != null) {
            refuse(connection, id, refusal.status(), refusal.detail(), "not allowed to read this stream");
            return;
        }
        boolean peer = Caller.of(identity).kind() == Caller.Kind.SERVICE_KEY;
        if (peer && !owners.ownsStream(id)) {
            // Another instance took this stream for ours: it asks again where the stream's partition is now.
            connection.close(new CloseReason(OwnerFeeds.NOT_OWNER, "this instance does not own the stream's "
                    + "partition")).subscribe().with(ok -> { }, failure -> { });
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
        }, peer));
        Log.debugf("stream %s: WebSocket client %s subscribed after seq %d", id, connection.id(), after);
    }

    @OnTextMessage
    public Uni<Void> onMessage(String message, WebSocketConnection connection) {
        String id = connection.pathParam("id");
        ClientOp op;
        try {
            op = Json.MAPPER.readValue(message, ClientOp.class);
        } catch (IOException e) {
            return connection.sendText(error(id, null, 400, "client frames are JSON objects like {\"op\":\"pause\"}"));
        }
        if (op == null || op.op() == null || !OPS.contains(op.op())) {
            return connection.sendText(error(id, null, 400, "op must be one of pause, resume, cancel"));
        }
        String name = op.op();
        return control.command(id, name, credential(connection))
                .onItem().transform(response -> answer(id, name, response))
                .onFailure().recoverWithItem(e -> error(id, name, 503, "control-service unreachable: " + e.getMessage()))
                .chain(connection::sendText);
    }

    @OnClose
    public void onClose(WebSocketConnection connection) {
        Subscriber subscriber = subscriptions.remove(connection.id());
        if (subscriber != null) {
            subscriber.close();
        }
    }

    private static void refuse(WebSocketConnection connection, String id, int status, String detail, String reason) {
        connection.sendText(error(id, null, status, detail))
                .chain(() -> connection.close(new CloseReason(1008, reason)))
                .subscribe().with(ok -> { }, failure -> { });
    }

    /** @return the handshake's credential as an {@code Authorization} value, for relaying ops to control */
    private static String credential(WebSocketConnection connection) {
        String header = connection.handshakeRequest().header("Authorization");
        if (header != null) {
            return header;
        }
        List<String> token = new QueryStringDecoder(connection.handshakeRequest().query(), false).parameters()
                .get("token");
        return token == null || token.isEmpty() ? null : "Bearer " + token.get(0);
    }

    private static String answer(String id, String op, Response response) {
        JsonNode body = ControlApi.body(response);
        if (response.getStatus() == 202) {
            return Json.write(OpReply.ack(id, op, body.path("commandId").asText(null)));
        }
        return error(id, op, response.getStatus(), body.path("detail").asText("control-service answered "
                + response.getStatus()));
    }

    static String error(String id, String op, int status, String detail) {
        return Json.write(OpReply.error(id, op, status, detail));
    }

    /**
     * Reads {@code after} from the handshake's raw query string (Netty's decoder).
     *
     * @return the seq to resume after; -1 (from the first frame) when absent
     * @throws IllegalArgumentException when it is not an integer from -1
     */
    static long afterSeq(String query) {
        List<String> values = new QueryStringDecoder(query == null ? "" : query, false).parameters().get("after");
        if (values == null || values.isEmpty()) {
            return -1;
        }
        String value = values.get(0);
        try {
            long after = Long.parseLong(value);
            if (after >= -1) {
                return after;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("after must be a delivery seq (an integer from -1)");
    }
}
