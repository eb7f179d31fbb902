package dev.tokenstream.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.Map;

/**
 * A real HTTP server (OkHttp's MockWebServer) on a free loopback port in the role of another service, for a
 * {@code @QuarkusTest}: a subclass answers each request and names the configuration that points the service under
 * test at it.
 */
public abstract class HttpStandIn implements QuarkusTestResourceLifecycleManager {

    private MockWebServer server;

    /**
     * @param baseUrl the stand-in's base URL, {@code http://127.0.0.1:<port>}
     * @return the configuration for the service under test
     */
    protected abstract Map<String, String> configure(String baseUrl);

    /**
     * Answers one request, on the server's thread.
     *
     * @return the answer
     */
    protected abstract MockResponse answer(RecordedRequest request);

    /**
     * @param status      the HTTP status
     * @param contentType the body's media type (ignored without a body)
     * @param body        the body, or null for none
     * @return the answer
     */
    protected static MockResponse respond(int status, String contentType, String body) {
        MockResponse response = new MockResponse().setResponseCode(status);
        return body == null ? response : response.setHeader("Content-Type", contentType).setBody(body);
    }

    /** @return the request's path, e.g. {@code /v1/streams/<id>/stats} */
    protected static String path(RecordedRequest request) {
        return request.getRequestUrl().encodedPath();
    }

    /** @return the request's header {@code name}, or null */
    protected static String header(RecordedRequest request, String name) {
        return request.getHeader(name);
    }

    /** @return the request's body as UTF-8 text, empty for none */
    protected static String body(RecordedRequest request) {
        return request.getBody().readUtf8();
    }

    @Override
    public Map<String, String> start() {
        server = new MockWebServer();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return answer(request);
            }
        });
        try {
            server.start(InetAddress.getLoopbackAddress(), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return configure("http://127.0.0.1:" + server.getPort());
    }

    @Override
    public void stop() {
        if (server != null) {
            try {
                server.shutdown();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
