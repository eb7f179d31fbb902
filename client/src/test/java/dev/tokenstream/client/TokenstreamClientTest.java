package dev.tokenstream.client;

import dev.tokenstream.api.StartStreamRequest;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.serde.Json;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The SDK against a real HTTP and WebSocket server (OkHttp's MockWebServer) in control-service's and
 * delivery-service's place, answering as they do: what it sends, how it reads answers and refusals, and how it
 * counts a stream's tokens.
 */
class TokenstreamClientTest {

    private static final String ID = "019ab2c4-3f1e-7a4b-9c2d-5e6f7a8b9c0d";
    private static final String KEY = "tsk_test_secret";

    private MockWebServer server;
    private TokenstreamClient client;

    @BeforeEach
    void setUp() throws IOException {
        server = new MockWebServer();
        server.start();
        client = new TokenstreamClient(server.url("/").uri(), KEY);
    }

    @AfterEach
    void tearDown() throws IOException {
        server.shutdown();
    }

    @Test
    void shouldRetryACreateOnceWithTheSameIdempotencyKeyAfterA503() throws InterruptedException {
        server.enqueue(problem(503, "the stream request was not stored: timeout"));
        server.enqueue(created());

        TokenstreamClient.Started started = client.create(StartStreamRequest.prompt("simulator", "sim-fast", "hi",
                null));

        assertThat(started.streamId()).isEqualTo(ID);
        assertThat(started.ws().toString()).startsWith("ws://").contains("/v1/streams/" + ID + "/ws?token=");
        RecordedRequest first = server.takeRequest(1, TimeUnit.SECONDS);
        RecordedRequest second = server.takeRequest(1, TimeUnit.SECONDS);
        assertThat(first.getPath()).isEqualTo("/v1/streams");
        assertThat(first.getHeader("Authorization")).isEqualTo("Bearer " + KEY);
        assertThat(first.getHeader("Idempotency-Key")).isNotBlank()
                .isEqualTo(second.getHeader("Idempotency-Key"));
        assertThat(first.getBody().readUtf8()).contains("\"provider\":\"simulator\"")
                .contains("\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]");
    }

    @Test
    void shouldRaiseARefusalWithItsStatusAndDetailWithoutRetrying() {
        server.enqueue(problem(409, "cannot resume stream " + ID + " in state STARTED"));

        assertThatThrownBy(() -> client.resume(ID)).isInstanceOfSatisfying(TokenstreamException.class, e -> {
            assertThat(e.status()).isEqualTo(409);
            assertThat(e.getMessage()).contains("cannot resume");
        });
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void shouldSayUnreachableWithStatusZero() throws IOException {
        server.shutdown();

        assertThatThrownBy(() -> client.status(ID)).isInstanceOfSatisfying(TokenstreamException.class,
                e -> assertThat(e.status()).isZero());
    }

    @Test
    void shouldCountTokensAndTokenFramesApart() throws Exception {
        server.enqueue(created());
        server.enqueue(new MockResponse().withWebSocketUpgrade(new WebSocketListener() {
            @Override
            public void onOpen(WebSocket socket, Response response) {
                socket.send(Json.write(DeliveryFrame.of(FrameType.STARTED, ID, 0, 1)));
                socket.send(Json.write(DeliveryFrame.tokens(ID, 1, "Hello", 2, 2)));
                socket.send(Json.write(DeliveryFrame.tokens(ID, 2, " world", 1, 3)));
                socket.send(Json.write(new DeliveryFrame(FrameType.COMPLETED, ID, 3, null, 4, "stop", null, null)));
                socket.close(1000, "stream ended");
            }
        }));

        var text = new BufferedStreamHandler();
        try (StreamSession session = client.start(StartStreamRequest.prompt("simulator", "sim-fast", "hi", null),
                text)) {
            StreamResult result = session.awaitResult(Duration.ofSeconds(10));

            assertThat(result.state()).isEqualTo(StreamState.COMPLETED);
            assertThat(result.text()).isEqualTo("Hello world");
            assertThat(result.tokens()).as("provider tokens").isEqualTo(3);
            assertThat(result.tokenFrames()).isEqualTo(2);
            assertThat(text.tokenFrames()).isEqualTo(2);
        }
    }

    private MockResponse created() {
        String base = server.url("/").toString().replaceFirst("/$", "");
        String ws = base.replaceFirst("^http", "ws") + "/v1/streams/" + ID + "/ws?token=t.e.s";
        return new MockResponse().setResponseCode(201).setHeader("Content-Type", "application/json")
                .setBody("{\"streamId\":\"" + ID + "\",\"status\":\"REQUESTED\",\"links\":{\"ws\":\"" + ws
                        + "\",\"sse\":\"" + base + "/v1/streams/" + ID + "/events?token=t.e.s\",\"self\":\"" + base
                        + "/v1/streams/" + ID + "\"}}");
    }

    private static MockResponse problem(int status, String detail) {
        return new MockResponse().setResponseCode(status).setHeader("Content-Type", "application/problem+json")
                .setBody("{\"status\":" + status + ",\"title\":\"t\",\"detail\":\"" + detail + "\"}");
    }
}
