package dev.tokenstream.testsupport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on loopback that answers {@code POST /v1/chat/completions} with a recorded SSE transcript
 * (a classpath resource under {@code transcripts/}), one event every {@code paceMillis}, as recorded. It counts
 * the streams open right now, so a test can see a client close its connection.
 */
public final class RecordedSseServer implements AutoCloseable {

    private final HttpServer server;
    private final AtomicInteger openStreams = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile List<String> events = List.of();
    private volatile long paceMillis = 5;

    public RecordedSseServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/v1/chat/completions", this::handle);
        server.start();
    }

    /**
     * @param transcript resource name under {@code transcripts/}, e.g. {@code openai-chat-text.sse}
     * @param pace       gap between events, milliseconds
     * @return this server
     */
    public RecordedSseServer serve(String transcript, long pace) throws IOException {
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("transcripts/" + transcript)) {
            if (in == null) {
                throw new IOException("no transcript resource " + transcript);
            }
            List<String> parsed = new ArrayList<>();
            for (String event : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n\n")) {
                if (!event.isBlank()) {
                    parsed.add(event + "\n\n");
                }
            }
            this.events = List.copyOf(parsed);
            this.paceMillis = pace;
            return this;
        }
    }

    /** @return the base URL of the OpenAI-style API, e.g. {@code http://127.0.0.1:40123/v1}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** @return streams being written right now. */
    public int openStreams() {
        return openStreams.get();
    }

    /** @return requests answered so far. */
    public int requests() {
        return requests.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        exchange.getRequestBody().readAllBytes();
        exchange.getResponseHeaders().add("Content-Type", "text/event-stream; charset=utf-8");
        exchange.sendResponseHeaders(200, 0);
        openStreams.incrementAndGet();
        try (OutputStream out = exchange.getResponseBody()) {
            for (String event : events) {
                TimeUnit.MILLISECONDS.sleep(paceMillis);
                out.write(event.getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException e) {
            // the client closed the connection: exactly what a cancel should do
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            openStreams.decrementAndGet();
            exchange.close();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
