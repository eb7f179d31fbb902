package dev.tokenstream.testsupport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A real HTTP server on a free local port in the role of another service, for a {@code @QuarkusTest}: a subclass
 * registers its handlers and names the configuration that points the service under test at it.
 */
public abstract class HttpStandIn implements QuarkusTestResourceLifecycleManager {

    private HttpServer server;

    /**
     * @param server  the server, not started yet: register the handlers on it
     * @param baseUrl its base URL, {@code http://127.0.0.1:<port>}
     * @return the configuration for the service under test
     */
    protected abstract Map<String, String> serve(HttpServer server, String baseUrl);

    /**
     * Answers an exchange and closes it.
     *
     * @param status      the HTTP status
     * @param contentType the body's media type (ignored without a body)
     * @param body        the body, or null for none
     * @throws IOException when the client went away
     */
    protected static void respond(HttpExchange exchange, int status, String contentType, String body)
            throws IOException {
        byte[] bytes = body == null ? null : body.getBytes(StandardCharsets.UTF_8);
        if (bytes != null) {
            exchange.getResponseHeaders().set("Content-Type", contentType);
        }
        exchange.sendResponseHeaders(status, bytes == null ? -1 : bytes.length);
        if (bytes != null) {
            exchange.getResponseBody().write(bytes);
        }
        exchange.close();
    }

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> config = serve(server, "http://127.0.0.1:" + server.getAddress().getPort());
        server.start();
        return config;
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
