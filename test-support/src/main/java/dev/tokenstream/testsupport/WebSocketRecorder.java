package dev.tokenstream.testsupport;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real WebSocket client (the JDK's) that records every text message and the close code. A stalled recorder
 * reads one message and then nothing, as a client on a slow link would: TCP backpressure reaches the server.
 */
public final class WebSocketRecorder implements WebSocket.Listener, AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final List<String> messages = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private volatile boolean stalled;
    private volatile String closeReason;
    private final WebSocket socket;

    private WebSocketRecorder(URI uri, boolean stalled, Map<String, String> headers) throws Exception {
        this.stalled = stalled;
        WebSocket.Builder builder = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        headers.forEach(builder::header);
        this.socket = builder.buildAsync(uri, this).get(10, TimeUnit.SECONDS);
    }

    /** Connects to {@code uri} ({@code ws://...}) and starts recording. */
    public static WebSocketRecorder connect(URI uri) throws Exception {
        return new WebSocketRecorder(uri, false, Map.of());
    }

    /** Connects with {@code headers} on the handshake ({@code Authorization}, {@code Origin}) and records. */
    public static WebSocketRecorder connect(URI uri, Map<String, String> headers) throws Exception {
        return new WebSocketRecorder(uri, false, headers);
    }

    /** Connects and reads one message, then stops reading. */
    public static WebSocketRecorder connectStalled(URI uri) throws Exception {
        return new WebSocketRecorder(uri, true, Map.of());
    }

    /** Sends a text message. */
    public void send(String text) throws Exception {
        socket.sendText(text, true).get(5, TimeUnit.SECONDS);
    }

    /** Starts reading again after {@link #connectStalled(URI)}. */
    public void resumeReading() {
        stalled = false;
        socket.request(Long.MAX_VALUE);
    }

    /** @return the reason the server gave when it closed, or null */
    public String closeReason() {
        return closeReason;
    }

    /** @return the messages received so far, in order */
    public List<String> messages() {
        return List.copyOf(messages);
    }

    /** @return the server's close code, once it closed */
    public CompletableFuture<Integer> closed() {
        return closed;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            messages.add(partial.toString());
            partial.setLength(0);
        }
        if (!stalled) {
            webSocket.request(1);
        }
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeReason = reason;
        closed.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.completeExceptionally(error);
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
        socket.abort();
    }
}
