package dev.tokenstream.delivery.sse;

import io.vertx.core.http.HttpServerResponse;

/**
 * The one writer of delivery's server-sent events (the stream route and every facade), in the event stream format
 * of the WHATWG HTML standard, section 9.2: fields {@code id}, {@code event} and {@code data}, a line of
 * {@code data} per line of the value, a blank line after each event; comments start with a colon. Vert.x writes the
 * bytes: neither Vert.x nor Quarkus offers a server-side event writer for plain routes, and the token path stays on
 * Vert.x routes (JAX-RS's {@code SseEventSink} would put a resource method between a frame and its client).
 */
public final class ServerSentEvents {

    /** The OpenAI-style end of a data-only stream: {@code data: [DONE]}. */
    public static final String DONE = data("[DONE]");

    private ServerSentEvents() {
    }

    /**
     * Starts an answer of server-sent events: chunked, {@code text/event-stream}, not cached and not buffered by
     * proxies ({@code X-Accel-Buffering: no}).
     *
     * @return {@code response}, for more headers
     */
    public static HttpServerResponse start(HttpServerResponse response) {
        return response.setChunked(true).putHeader("content-type", "text/event-stream; charset=utf-8")
                .putHeader("cache-control", "no-cache").putHeader("X-Accel-Buffering", "no");
    }

    /**
     * @param id   the event's id (a client's {@code Last-Event-ID} on reconnect)
     * @param name the event's type
     * @param data its data; a value of several lines becomes several {@code data} lines
     * @return the event, with its blank line
     */
    public static String event(long id, String name, String data) {
        return "id: " + id + "\nevent: " + name + "\n" + dataLines(data) + "\n";
    }

    /** @return a data-only event of {@code data} (a value of several lines becomes several {@code data} lines) */
    public static String data(String data) {
        return dataLines(data) + "\n";
    }

    /** @return a comment line, which clients ignore (a heartbeat, a greeting) */
    public static String comment(String text) {
        return ": " + text.replace("\n", " ") + "\n\n";
    }

    private static String dataLines(String data) {
        if (data.indexOf('\n') < 0 && data.indexOf('\r') < 0) {
            return "data: " + data + "\n";
        }
        StringBuilder lines = new StringBuilder();
        for (String line : data.split("\r\n|\r|\n", -1)) {
            lines.append("data: ").append(line).append('\n');
        }
        return lines.toString();
    }
}
