package dev.tokenstream.client;

import dev.tokenstream.api.StartStreamRequest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenstream.events.GenerationParams;
import dev.tokenstream.events.Session;
import dev.tokenstream.events.SessionTurn;
import dev.tokenstream.events.StreamIds;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.StreamStats;
import dev.tokenstream.events.ClientOp;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.OpReply;
import dev.tokenstream.events.serde.Json;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A Java client of Tokenstream's API version 1: starts streams and controls them through control-service, and
 * reads their frames from delivery-service's WebSocket. Thread-safe. Errors come as {@link TokenstreamException}.
 * <p>
 * Calls to control-service carry the tenant's API key ({@code Authorization: Bearer tsk_...}); the WebSocket links
 * control answers carry a stream token of their own, refreshed by a session that reconnects after it expired.
 */
public final class TokenstreamClient {

    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    /**
     * How long a WebSocket handshake may take: an instance that accepts the connection but does not answer (frozen)
     * is left after this, as one that refuses it at once.
     */
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(5);
    /** A subscription that has heard nothing for this long pings delivery, and again each time as long. */
    static final Duration PING_AFTER = Duration.ofMillis(500);
    /**
     * A session's subscription that has heard nothing, neither a frame nor a pong, for this long is dropped as
     * {@link UnresponsiveException}: its delivery instance hangs, and the session goes to another at once (three
     * pings unanswered). Not for plain subscriptions: under the benchmark's 1,000-stream overload delivery's event
     * loop answered pings later than this, and a dropped subscription that does not reconnect lost its stream.
     */
    static final Duration LIVENESS_TIMEOUT = Duration.ofMillis(1500);
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "tokenstream-websocket-liveness");
        thread.setDaemon(true);
        return thread;
    });

    /** The environment variable the one-argument constructor takes the API key from. */
    public static final String API_KEY_ENV = "TOKENSTREAM_API_KEY";
    /** A stream token is renewed before a reconnect when it expires within this. */
    private static final Duration TOKEN_MARGIN = Duration.ofSeconds(60);

    private final URI controlUrl;
    private final String apiKey;
    private final HttpClient http;

    /**
     * A client authenticating with the API key in {@value #API_KEY_ENV}.
     *
     * @param controlUrl control-service's base URL, e.g. {@code http://localhost:8080}
     */
    public TokenstreamClient(URI controlUrl) {
        this(controlUrl, System.getenv(API_KEY_ENV));
    }

    /**
     * @param controlUrl control-service's base URL, e.g. {@code http://localhost:8080}
     * @param apiKey     the tenant's API key, {@code tsk_<id>_<secret>}; null sends none (every call is then 401)
     */
    public TokenstreamClient(URI controlUrl, String apiKey) {
        this.controlUrl = controlUrl;
        this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey.trim();
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /**
     * A started stream.
     *
     * @param streamId its id
     * @param ws       its WebSocket URL
     * @param sse      its Server-Sent Events URL
     */
    public record Started(String streamId, URI ws, URI sse) {
    }

    /**
     * A stream's status: its state and, once the processor published them, its statistics.
     *
     * @param streamId its id
     * @param state    its state
     * @param stats    its statistics, or null
     */
    public record Status(String streamId, StreamState state, StreamStats stats) {
    }

    /**
     * Creates a stream without reading it: for an application that reads it elsewhere (a browser, its own WebSocket
     * client) from the links answered. The request carries an {@code Idempotency-Key} of its own (a version 7 UUID,
     * so the stream id made from it tells its age), and is sent once more with it when control-service could not be
     * reached or answered 503: a retry never starts a second stream.
     *
     * @return its id and links, once Kafka has the request
     * @throws TokenstreamException when the request is refused: 400 (a bad request, a provider or model no ingest
     *                              serves), 401, 403 (not a tenant's API key), 404 ({@code replay:} of an unknown
     *                              stream), 409 (a session's turn that does not fit), 429 (over a quota), 503 twice;
     *                              status 0 when control-service is unreachable twice
     */
    public Started create(StartStreamRequest request) {
        Map<String, String> key = Map.of("Idempotency-Key", StreamIds.newId());
        JsonNode body;
        try {
            body = call("POST", "/v1/streams", request, 201, key);
        } catch (TokenstreamException e) {
            if (e.status() != 0 && e.status() != 503) {
                throw e;
            }
            body = call("POST", "/v1/streams", request, 201, key);
        }
        return started(body);
    }

    private static Started started(JsonNode body) {
        return new Started(body.path("streamId").asText(), URI.create(body.path("links").path("ws").asText()),
                URI.create(body.path("links").path("sse").asText()));
    }

    /**
     * A stream's links with fresh stream tokens (the first ones are valid 15 minutes by default).
     *
     * @return its id and links
     * @throws TokenstreamException 404 for a stream that is not the tenant's; 503 while the processor cannot tell;
     *                              status 0 when control-service is unreachable
     */
    public Started links(String streamId) {
        return links(streamId, null);
    }

    /**
     * A stream's links with fresh stream tokens, on another delivery instance than one that could not be reached.
     *
     * @param unreachable a link (or base URL) of a delivery instance the client could not connect to, or null
     * @return its id and links
     * @throws TokenstreamException as {@link #links(String)}
     */
    public Started links(String streamId, URI unreachable) {
        String query = unreachable == null ? "" : "?unreachable=" + URLEncoder.encode(
                unreachable.getScheme().replaceFirst("^ws", "http") + "://" + unreachable.getRawAuthority(),
                StandardCharsets.UTF_8);
        return started(call("GET", "/v1/streams/" + streamId + query, null, 200).put("streamId", streamId));
    }

    /** @return whether the stream token in {@code link} expires within a minute (false when it has none) */
    static boolean tokenExpiresSoon(URI link) {
        String query = link.getRawQuery();
        if (query == null) {
            return false;
        }
        for (String parameter : query.split("&")) {
            if (parameter.startsWith("token=")) {
                String[] parts = parameter.substring("token=".length()).split("\\.");
                try {
                    long exp = Json.MAPPER.readTree(Base64.getUrlDecoder().decode(parts[1])).path("exp").asLong();
                    return exp * 1000 - System.currentTimeMillis() < TOKEN_MARGIN.toMillis();
                } catch (IOException | RuntimeException e) {
                    return false;
                }
            }
        }
        return false;
    }

    /**
     * Starts a stream and delivers it to {@code handlers}, reconnecting and resuming by itself.
     *
     * @return the session: control the stream, wait for its result
     * @throws TokenstreamException as {@link #create} does
     */
    public StreamSession start(StartStreamRequest request, StreamHandler... handlers) {
        Started started = create(request);
        var session = new StreamSession(this, new StreamMetadata(started.streamId(), started.ws(), started.sse()),
                List.of(handlers));
        session.connect();
        return session;
    }

    /**
     * Opens a new conversation (a session of {@code /v1/sessions}) whose turns stream {@code provider}'s
     * {@code model}.
     *
     * @param params sampling parameters of every turn; may be null
     * @return the conversation, no turn yet
     * @throws TokenstreamException 403 for a credential other than a tenant's API key; 503 when Kafka did not take
     *                              it; status 0 when control-service is unreachable
     */
    public Conversation conversation(String provider, String model, GenerationParams params) {
        String id = call("POST", "/v1/sessions", Map.of(), 201).path("sessionId").asText();
        return new Conversation(this, id, provider, model, params);
    }

    /** @return the turns of session {@code sessionId}, oldest first; 404 for another tenant's */
    List<SessionTurn> sessionTurns(String sessionId) {
        JsonNode body = call("GET", "/v1/sessions/" + sessionId, null, 200);
        try {
            return Json.MAPPER.treeToValue(body, Session.class).turns();
        } catch (IOException e) {
            throw new TokenstreamException("cannot read session " + sessionId, e);
        }
    }

    /**
     * Pauses delivery of a stream.
     *
     * @return the command id, once Kafka has the command
     * @throws TokenstreamException 403 for a credential that may not control it, 404 for a stream that is not the
     *                              tenant's, 409 when the stream's state does not allow it, 503 when Kafka did not
     *                              take the command; status 0 when control-service is unreachable
     */
    public String pause(String streamId) {
        return command(streamId, "pause");
    }

    /**
     * Resumes a paused stream.
     *
     * @return the command id
     * @throws TokenstreamException 403 for a credential that may not control it, 404 for a stream that is not the
     *                              tenant's, 409 when the stream's state does not allow it, 503 when Kafka did not
     *                              take the command; status 0 when control-service is unreachable
     */
    public String resume(String streamId) {
        return command(streamId, "resume");
    }

    /**
     * Cancels a stream; the provider call is aborted.
     *
     * @return the command id
     * @throws TokenstreamException 403 for a credential that may not control it, 404 for a stream that is not the
     *                              tenant's, 409 when the stream's state does not allow it, 503 when Kafka did not
     *                              take the command; status 0 when control-service is unreachable
     */
    public String cancel(String streamId) {
        return command(streamId, "cancel");
    }

    /**
     * @return the stream's state and statistics
     * @throws TokenstreamException 404 for a stream that is not the tenant's; 503 while the processor cannot tell;
     *                              status 0 when control-service is unreachable
     */
    public Status status(String streamId) {
        JsonNode body = call("GET", "/v1/streams/" + streamId, null, 200);
        try {
            return Json.MAPPER.treeToValue(body, Status.class);
        } catch (IOException e) {
            throw new TokenstreamException("cannot read the status of stream " + streamId, e);
        }
    }

    /**
     * Opens the stream's WebSocket and hands every frame to {@code listener}, in order.
     *
     * @param ws       the stream's WebSocket URL
     * @param afterSeq the last seq already seen, or -1 for the whole stream
     * @return the open subscription
     * @throws TokenstreamException when the WebSocket cannot be opened (status 0)
     */
    public Subscription subscribe(URI ws, long afterSeq, FrameListener listener) {
        return subscribe(ws, afterSeq, listener, false);
    }

    /**
     * @param watchLiveness whether to ping a silent connection and drop it, as {@link UnresponsiveException}, when it
     *                      answers nothing for {@link #LIVENESS_TIMEOUT}: for a {@link StreamSession}, which reconnects
     *                      elsewhere at once; a plain subscription, which does not reconnect, is never dropped so (a
     *                      delivery instance overloaded past answering pings in time must not cost its stream)
     */
    Subscription subscribe(URI ws, long afterSeq, FrameListener listener, boolean watchLiveness) {
        URI uri = afterSeq < 0 ? ws : URI.create(ws + (ws.getQuery() == null ? "?" : "&") + "after=" + afterSeq);
        var subscription = new Subscription(listener);
        try {
            subscription.socket = http.newWebSocketBuilder().connectTimeout(HANDSHAKE_TIMEOUT)
                    .buildAsync(uri, subscription.reader).get(HANDSHAKE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new TokenstreamException("cannot open the WebSocket " + uri + ": " + e.getMessage(), e);
        }
        if (watchLiveness) {
            subscription.watch();
        }
        return subscription;
    }

    /** Receives a stream's frames. Called on the WebSocket's thread, one frame at a time. */
    public interface FrameListener {

        /**
         * A frame of the stream arrived.
         *
         * @param frame the frame, read with Jackson; frames of types a later protocol version adds are skipped
         */
        void onFrame(DeliveryFrame frame);

        /**
         * Delivery answered an op sent with {@link Subscription#sendOp}.
         *
         * @param reply the ack or the error
         */
        default void onReply(OpReply reply) {
        }

        /** The server closed the connection (1000 after the terminal frame). */
        default void onClose(int code, String reason) {
        }

        /** The connection failed, or stopped answering ({@link UnresponsiveException}). */
        default void onError(Throwable error) {
        }
    }

    /**
     * A subscription's delivery instance answered neither frames nor pings for {@link #LIVENESS_TIMEOUT} (1.5 s):
     * it hangs, or the network to it does; the subscription was dropped.
     */
    public static final class UnresponsiveException extends TokenstreamException {
        UnresponsiveException(String message) {
            super(0, message);
        }
    }

    /** An open WebSocket subscription to one stream. */
    public static final class Subscription implements AutoCloseable {

        private final FrameListener listener;
        private final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final WebSocket.Listener reader = new Reader();
        private volatile WebSocket socket;
        private volatile long heardNanos = System.nanoTime();
        private volatile ScheduledFuture<?> watchdog;

        private Subscription(FrameListener listener) {
            this.listener = listener;
        }

        /** Pings delivery while it is silent, and drops the connection when it answers nothing. */
        private void watch() {
            heardNanos = System.nanoTime();
            watchdog = WATCHDOG.scheduleWithFixedDelay(this::checkLiveness, PING_AFTER.toMillis(),
                    PING_AFTER.toMillis(), TimeUnit.MILLISECONDS);
        }

        private void checkLiveness() {
            WebSocket open = socket;
            if (open == null || closed.isDone()) {
                watchdog.cancel(false);
                return;
            }
            long silentNanos = System.nanoTime() - heardNanos;
            if (silentNanos >= LIVENESS_TIMEOUT.toNanos()) {
                watchdog.cancel(false);
                open.abort();
                if (closed.complete(-1)) {
                    listener.onError(new UnresponsiveException("delivery answered nothing for "
                            + silentNanos / 1_000_000 + " ms"));
                }
            } else if (silentNanos >= PING_AFTER.toNanos()) {
                try {
                    open.sendPing(ByteBuffer.allocate(0));
                } catch (IllegalStateException e) {
                    // the last ping is still being sent: the check goes on
                }
            }
        }

        /** Sends a client op ({@code pause}, {@code resume}, {@code cancel}); the answer comes as a frame. */
        public void sendOp(String op) {
            socket.sendText(Json.write(new ClientOp(op)), true).join();
        }

        /**
         * Waits until the server closes the connection.
         *
         * @return the close code, or -1 when it did not close within {@code timeout}
         */
        public int awaitClose(Duration timeout) {
            try {
                return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                return -1;
            }
        }

        @Override
        public void close() {
            ScheduledFuture<?> checks = watchdog;
            if (checks != null) {
                checks.cancel(false);
            }
            WebSocket open = socket;
            if (open != null && !open.isOutputClosed()) {
                open.sendClose(WebSocket.NORMAL_CLOSURE, "client done");
            }
            if (open != null) {
                open.abort();
            }
        }

        /** The JDK WebSocket's callbacks: whole messages, read as frames or op replies. */
        private final class Reader implements WebSocket.Listener {

            private final StringBuilder partial = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                heardNanos = System.nanoTime();
                partial.append(data);
                if (last) {
                    String text = partial.toString();
                    partial.setLength(0);
                    try {
                        JsonNode message = Json.MAPPER.readTree(text);
                        String type = message.path("type").asText("");
                        if (type.equals(OpReply.ACK) || type.equals(OpReply.ERROR)) {
                            listener.onReply(Json.MAPPER.treeToValue(message, OpReply.class));
                        } else if (FrameType.isKnown(type)) {
                            listener.onFrame(Json.MAPPER.treeToValue(message, DeliveryFrame.class));
                        }
                    } catch (IOException e) {
                        listener.onError(e);
                    }
                }
                webSocket.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
                heardNanos = System.nanoTime();
                webSocket.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
                heardNanos = System.nanoTime();
                return WebSocket.Listener.super.onPing(webSocket, message);
            }

            @Override
            public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                if (closed.complete(statusCode)) {
                    listener.onClose(statusCode, reason);
                }
                return null;
            }

            @Override
            public void onError(WebSocket webSocket, Throwable error) {
                if (closed.complete(-1)) {
                    listener.onError(error);
                }
            }
        }
    }

    private String command(String streamId, String action) {
        return call("POST", "/v1/streams/" + streamId + "/" + action, null, 202).path("commandId").asText();
    }

    private ObjectNode call(String method, String path, Object body, int expected) {
        return call(method, path, body, expected, Map.of());
    }

    private ObjectNode call(String method, String path, Object body, int expected, Map<String, String> headers) {
        URI uri = controlUrl.resolve(path);
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Accept", "application/json");
            if (apiKey != null) {
                request.header("Authorization", "Bearer " + apiKey);
            }
            headers.forEach(request::header);
            if (body != null) {
                request.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofByteArray(Json.MAPPER.writeValueAsBytes(body)));
            } else {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            }
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode read = response.body() == null || response.body().isBlank()
                    ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(response.body());
            ObjectNode json = read instanceof ObjectNode object ? object : Json.MAPPER.createObjectNode();
            if (response.statusCode() != expected) {
                throw new TokenstreamException(response.statusCode(), json.path("detail").asText(
                        method + " " + path + " answered " + response.statusCode()));
            }
            return json;
        } catch (IOException e) {
            throw new TokenstreamException("cannot reach control-service at " + controlUrl + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TokenstreamException("interrupted while calling " + uri, e);
        }
    }
}
