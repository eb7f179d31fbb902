package dev.tokenstream.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on loopback that answers {@code POST /v1/chat/completions} (OpenAI) and
 * {@code POST /v1/messages} (Anthropic) with recorded SSE transcripts (classpath resources under
 * {@code transcripts/}), one event every {@code paceMillis}, byte for byte as recorded. The request's {@code model}
 * picks the transcript when one has that name ({@code anthropic-tooluse}); otherwise the default transcript of
 * {@link #serve} answers. Answers queued with {@link #enqueue} for a model come first: an HTTP error status with
 * headers, a stall, a dropped connection. It counts the streams open right now, so a test can see a client close
 * its connection (it watches the socket between events and during stalls), and keeps the last request body of
 * each model. HTTP/1.1 on plain sockets, one request per connection, so a drop really cuts the TCP connection.
 * <p>
 * Ours rather than OkHttp's MockWebServer or WireMock: the cancel tests measure when the provider sees its
 * connection closed, during a stall, and neither tells a test that a client closed a response it is still pacing.
 */
public final class RecordedSseServer implements AutoCloseable {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * A scripted answer.
     *
     * @param status      HTTP status; 200 streams the transcript
     * @param headers     response headers
     * @param body        the body of an error status
     * @param stallAfter  200: events sent before a stall, or -1
     * @param stallMillis 200: the stall's length
     * @param dropAfter   200: events sent before the connection is dropped mid-response, or -1
     */
    public record Answer(int status, Map<String, String> headers, String body, int stallAfter, long stallMillis,
                         int dropAfter) {

        /** @return an error answer with a JSON body */
        public static Answer status(int status, String jsonBody, Map<String, String> headers) {
            return new Answer(status, headers, jsonBody, -1, 0, -1);
        }

        /** @return the transcript with no byte for {@code millis} after {@code events} events */
        public static Answer stall(int events, long millis) {
            return new Answer(200, Map.of(), null, events, millis, -1);
        }

        /** @return the transcript cut after {@code events} events by closing the connection */
        public static Answer drop(int events) {
            return new Answer(200, Map.of(), null, -1, 0, events);
        }
    }

    private final ServerSocket server;
    private final ExecutorService handlers = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "recorded-sse-server");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicInteger openStreams = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final Map<String, Deque<Answer>> scripted = new ConcurrentHashMap<>();
    private final Map<String, JsonNode> lastRequests = new ConcurrentHashMap<>();
    private final Map<String, List<String>> madeTranscripts = new ConcurrentHashMap<>();
    private volatile List<String> events = List.of();
    private volatile long paceMillis = 5;

    public RecordedSseServer() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        handlers.submit(this::accept);
    }

    /**
     * @param transcript resource name under {@code transcripts/}, e.g. {@code openai-chat-text.sse}, served for
     *                   models with no transcript of their own
     * @param pace       gap between events, milliseconds
     * @return this server
     */
    public RecordedSseServer serve(String transcript, long pace) throws IOException {
        this.events = load(transcript);
        this.paceMillis = pace;
        return this;
    }

    /**
     * Serves events a test made, instead of a recorded transcript, to requests naming {@code model}.
     *
     * @param model  the model a request names
     * @param events whole SSE events, each ending with a blank line
     * @return this server
     */
    public RecordedSseServer serveMade(String model, List<String> events) {
        madeTranscripts.put(model, List.copyOf(events));
        return this;
    }

    /** Queues {@code answer} for the next request naming {@code model}. */
    public RecordedSseServer enqueue(String model, Answer answer) {
        scripted.computeIfAbsent(model, m -> new ConcurrentLinkedDeque<>()).add(answer);
        return this;
    }

    private static List<String> load(String transcript) throws IOException {
        String name = transcript.endsWith(".sse") ? transcript : transcript + ".sse";
        try (InputStream in = RecordedSseServer.class.getClassLoader().getResourceAsStream("transcripts/" + name)) {
            if (in == null) {
                throw new IOException("no transcript resource " + name);
            }
            List<String> parsed = new ArrayList<>();
            for (String event : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n\n")) {
                if (!event.isBlank()) {
                    parsed.add(event + "\n\n");
                }
            }
            return List.copyOf(parsed);
        }
    }

    /** @return the base URL of the OpenAI-style API, e.g. {@code http://127.0.0.1:40123/v1}. */
    public String baseUrl() {
        return root() + "/v1";
    }

    /** @return the server's root URL, the base URL of the Anthropic SDK, e.g. {@code http://127.0.0.1:40123}. */
    public String root() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** @return streams being written right now. */
    public int openStreams() {
        return openStreams.get();
    }

    /** @return requests answered so far. */
    public int requests() {
        return requests.get();
    }

    /** @return the body of the last request that named {@code model}, or null */
    public JsonNode lastRequest(String model) {
        return lastRequests.get(model);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                handlers.submit(() -> handle(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void handle(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            int contentLength = 0;
            String line = readLine(in);
            String path = line.split(" ").length > 1 ? line.split(" ")[1] : "";
            while (!(line = readLine(in)).isEmpty()) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    contentLength = Integer.parseInt(line.substring(15).trim());
                }
            }
            JsonNode body = MAPPER.readTree(in.readNBytes(contentLength));
            requests.incrementAndGet();
            if (!path.endsWith("/chat/completions") && !path.endsWith("/messages")) {
                respond(out, 404, Map.of(), "{\"error\":{\"message\":\"no route " + path + "\"}}");
                return;
            }
            answer(socket, body);
        } catch (IOException e) {
            // the client went away
        }
    }

    private void answer(Socket socket, JsonNode body) throws IOException {
        OutputStream out = socket.getOutputStream();
        String model = body.path("model").asText("");
        lastRequests.put(model, body);
        Deque<Answer> queue = scripted.get(model);
        Answer answer = queue == null ? null : queue.poll();
        if (answer != null && answer.status() != 200) {
            respond(out, answer.status(), answer.headers(), answer.body());
            return;
        }
        List<String> stream = madeTranscripts.get(model);
        if (stream == null) {
            try {
                stream = load(model);
            } catch (IOException e) {
                stream = events;
            }
        }
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        openStreams.incrementAndGet();
        try {
            for (int i = 0; i < stream.size(); i++) {
                if (answer != null && i == answer.dropAfter()) {
                    // Close the TCP connection mid-body: no terminating chunk.
                    return;
                }
                long wait = answer != null && i == answer.stallAfter() ? answer.stallMillis() : paceMillis;
                if (!waitWhileOpen(socket, wait)) {
                    return;
                }
                byte[] event = stream.get(i).getBytes(StandardCharsets.UTF_8);
                out.write((Integer.toHexString(event.length) + "\r\n").getBytes(StandardCharsets.UTF_8));
                out.write(event);
                out.write("\r\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            // the client closed the connection: exactly what a cancel should do
        } finally {
            openStreams.decrementAndGet();
        }
    }

    /**
     * Waits {@code millis}, watching the socket.
     *
     * @return false as soon as the client closed its end
     */
    private static boolean waitWhileOpen(Socket socket, long millis) throws IOException {
        long end = System.nanoTime() + millis * 1_000_000;
        socket.setSoTimeout(1);
        do {
            try {
                if (socket.getInputStream().read() < 0) {
                    return false;
                }
            } catch (SocketTimeoutException e) {
                // still open
            }
        } while (System.nanoTime() < end);
        return true;
    }

    private static void respond(OutputStream out, int status, Map<String, String> headers, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        var head = new StringBuilder("HTTP/1.1 ").append(status).append(" Status\r\n")
                .append("Content-Type: application/json\r\nConnection: close\r\n")
                .append("Content-Length: ").append(bytes.length).append("\r\n");
        headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        out.write(head.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
        out.write(bytes);
        out.flush();
    }

    private static String readLine(InputStream in) throws IOException {
        var line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.write(b);
            }
        }
        if (b < 0 && line.size() == 0) {
            throw new IOException("connection closed");
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        handlers.shutdownNow();
    }
}
