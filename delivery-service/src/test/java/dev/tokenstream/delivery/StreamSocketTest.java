package dev.tokenstream.delivery;

import dev.tokenstream.auth.StreamTokens;
import dev.tokenstream.delivery.messaging.FrameLogs;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.Problem;
import dev.tokenstream.events.Micros;
import dev.tokenstream.events.StreamIds;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.StreamStats;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.DeliveryFrameRecords;
import dev.tokenstream.events.serde.Json;
import dev.tokenstream.events.serde.JsonSerde;
import dev.tokenstream.testsupport.KafkaTestResource;
import dev.tokenstream.testsupport.MetricsScrape;
import dev.tokenstream.testsupport.TestKeys;
import dev.tokenstream.testsupport.TopicProbe;
import dev.tokenstream.testsupport.WebSocketRecorder;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
class StreamSocketTest {

    @TestHTTPResource("/")
    URI base;

    @TestHTTPResource(value = "/", management = true)
    URI management;

    @Inject
    FrameLogs logs;

    @Test
    void shouldDeliverEveryFrameInOrderThenCloseNormally() throws Exception {
        String id = newStream();
        try (var client = connect(id, null)) {
            publish(id, 0, FrameType.STARTED, null);
            publish(id, 1, FrameType.TOKEN, "Hello");
            publish(id, 2, FrameType.TOKEN, " world");
            publish(id, 3, FrameType.COMPLETED, null);

            assertThat(client.closed().get(10, TimeUnit.SECONDS)).isEqualTo(1000);
            assertThat(seqs(client.messages())).containsExactly(0L, 1L, 2L, 3L);
            assertThat(texts(client.messages())).isEqualTo("Hello world");
        }
    }

    @Test
    void shouldDeliverTheFramesOfARecordOfSeveralStreamsEachToItsOwnClient() throws Exception {
        String id = newStream();
        String other = newStream();
        try (var client = connect(id, null); var otherClient = connect(other, null)) {
            TopicProbe.sendToPartitionOf(Topics.DELIVERIES, id, null, DeliveryFrameRecords.batch(List.of(
                    frame(id, 0, FrameType.STARTED, null), frame(other, 0, FrameType.STARTED, null),
                    frame(id, 1, FrameType.TOKEN, "Hello"), frame(other, 1, FrameType.TOKEN, "Hi"),
                    frame(id, 2, FrameType.COMPLETED, null), frame(other, 2, FrameType.COMPLETED, null))));

            assertThat(client.closed().get(10, TimeUnit.SECONDS)).isEqualTo(1000);
            assertThat(otherClient.closed().get(10, TimeUnit.SECONDS)).isEqualTo(1000);
            assertThat(seqs(client.messages())).containsExactly(0L, 1L, 2L);
            assertThat(texts(client.messages())).isEqualTo("Hello");
            assertThat(seqs(otherClient.messages())).containsExactly(0L, 1L, 2L);
            assertThat(texts(otherClient.messages())).isEqualTo("Hi");
        }
    }

    @Test
    void shouldMeasureDeliveryLagPerTokenAndCountOpenWebSockets() throws Exception {
        String id = newStream();
        URI metrics = management.resolve("/q/metrics");
        MetricsScrape before = MetricsScrape.of(metrics);
        try (var client = connect(id, null)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> MetricsScrape.of(metrics)
                    .sum("tokenstream_websocket_connections", Map.of()) >= 1);
            long now = Micros.now();
            for (FrameType type : List.of(FrameType.STARTED, FrameType.TOKEN, FrameType.TOKEN, FrameType.COMPLETED)) {
                long seq = client.messages().size() + 0L;
                TopicProbe.send(Topics.DELIVERIES, id, new DeliveryFrame(type, id, seq,
                        type == FrameType.TOKEN ? "t" : null, now, null, null, null), JsonSerde.of(DeliveryFrame.class));
                await().atMost(Duration.ofSeconds(10)).until(() -> client.messages().size() > seq);
            }
            assertThat(client.closed().get(10, TimeUnit.SECONDS)).isEqualTo(1000);
        }

        MetricsScrape after = MetricsScrape.of(metrics);
        assertThat(after.sum("tokenstream_delivery_lag_seconds_count", Map.of())
                - before.sum("tokenstream_delivery_lag_seconds_count", Map.of()))
                .as("one lag sample per token frame").isEqualTo(2);
        assertThat(after.sum("tokenstream_delivery_lag_seconds_sum", Map.of())
                - before.sum("tokenstream_delivery_lag_seconds_sum", Map.of()))
                .as("emitted just now, so seconds at most").isBetween(0.0, 60.0);
        assertThat(after.has("tokenstream_sse_connections")).isTrue();
        assertThat(after.has("tokenstream_delivery_streams")).isTrue();
    }

    @Test
    void shouldResumeAfterASeqExactlyOnceAlsoAfterTheStreamEnded() throws Exception {
        String id = newStream();
        publish(id, 0, FrameType.STARTED, null);
        publish(id, 1, FrameType.TOKEN, "a");
        publish(id, 1, FrameType.TOKEN, "a");
        publish(id, 2, FrameType.TOKEN, "b");
        publish(id, 3, FrameType.TOKEN, "c");
        publish(id, 4, FrameType.COMPLETED, null);
        try (var whole = connect(id, null)) {
            whole.closed().get(10, TimeUnit.SECONDS);
        }

        try (var resumed = connect(id, 2L)) {
            assertThat(resumed.closed().get(10, TimeUnit.SECONDS)).isEqualTo(1000);
            assertThat(seqs(resumed.messages())).containsExactly(3L, 4L);
        }
    }

    @Test
    void shouldResumeAStreamThatMemoryNoLongerHoldsByReadingTheDeliveriesTopic() throws Exception {
        String id = newStream();
        long acceptedAt = Micros.now() - 60_000_000;
        TopicProbe.send(Topics.STREAM_STATS, id, new StreamStats(id, StreamState.COMPLETED, "simulator", "sim-fast",
                acceptedAt, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2, null, 1.0, 0, "stop", null, acceptedAt),
                JsonSerde.of(StreamStats.class));
        publish(id, 0, FrameType.STARTED, null);
        publish(id, 1, FrameType.TOKEN, "old");
        publish(id, 2, FrameType.TOKEN, " but");
        publish(id, 3, FrameType.TOKEN, " kept");
        publish(id, 4, FrameType.COMPLETED, null);
        try (var first = connect(id, null)) {
            assertThat(first.closed().get(10, TimeUnit.SECONDS)).isEqualTo(1000);
        }
        logs.forget(id);
        double readBefore = backfills("read");

        try (var resumed = connect(id, 1L)) {
            assertThat(resumed.closed().get(30, TimeUnit.SECONDS)).isEqualTo(1000);
            assertThat(seqs(resumed.messages())).containsExactly(2L, 3L, 4L);
            assertThat(texts(resumed.messages())).isEqualTo(" but kept");
        }
        assertThat(backfills("read") - readBefore).as("read back from Kafka once").isEqualTo(1);
    }

    @Test
    void shouldNotReadANewStreamBackFromKafkaWhenItsFramesArriveLive() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(this::isReady);
        String id = newStream();
        double before = backfills(null);
        try (var client = connect(id, null)) {
            publish(id, 0, FrameType.STARTED, null);
            publish(id, 1, FrameType.TOKEN, "live");
            await().atMost(Duration.ofSeconds(10)).until(() -> client.messages().size() == 2);
            publish(id, 2, FrameType.COMPLETED, null);
            assertThat(client.closed().get(10, TimeUnit.SECONDS)).isEqualTo(1000);
            assertThat(seqs(client.messages())).containsExactly(0L, 1L, 2L);
        }
        // A marker read back from Kafka: read-backs run one after another on one thread and are counted before
        // their frames go out, so once the marker's client has its frames, a read-back the new stream's
        // subscription had started is counted too.
        String marker = UUID.randomUUID().toString();
        publish(marker, 0, FrameType.STARTED, null);
        publish(marker, 1, FrameType.COMPLETED, null);
        await().atMost(Duration.ofSeconds(10)).until(() -> logs.isHeld(marker));
        logs.forget(marker);
        try (var client = connect(marker, null)) {
            assertThat(client.closed().get(30, TimeUnit.SECONDS)).isEqualTo(1000);
            assertThat(seqs(client.messages())).containsExactly(0L, 1L);
        }
        assertThat(backfills(null) - before).as("the marker's read-back only; none for the new stream").isEqualTo(1);
    }

    @Test
    void shouldReadAStreamWhoseIdTellsNoTimeBackFromKafka() throws Exception {
        String id = UUID.randomUUID().toString();
        double before = backfills("none");
        try (var client = connect(id, null)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> backfills("none") - before == 1);
            publish(id, 0, FrameType.STARTED, null);
            publish(id, 1, FrameType.COMPLETED, null);
            assertThat(client.closed().get(10, TimeUnit.SECONDS)).isEqualTo(1000);
            assertThat(seqs(client.messages())).containsExactly(0L, 1L);
        }
    }

    private boolean isReady() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(management.resolve("/q/health/ready")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    }

    private double backfills(String outcome) {
        return MetricsScrape.of(management.resolve("/q/metrics")).sum("tokenstream_delivery_backfills_total",
                outcome == null ? Map.of() : Map.of("outcome", outcome));
    }

    @Test
    void shouldFanOutTheSameFramesToEveryClient() throws Exception {
        String id = newStream();
        List<WebSocketRecorder> clients = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            clients.add(connect(id, null));
        }
        publish(id, 0, FrameType.STARTED, null);
        for (int i = 1; i <= 20; i++) {
            publish(id, i, FrameType.TOKEN, "t" + i + " ");
        }
        publish(id, 21, FrameType.COMPLETED, null);

        for (WebSocketRecorder client : clients) {
            assertThat(client.closed().get(10, TimeUnit.SECONDS)).isEqualTo(1000);
            assertThat(client.messages()).isEqualTo(clients.get(0).messages()).hasSize(22);
            client.close();
        }
    }

    @Test
    void shouldAnswerAMalformedClientFrameWithAnErrorFrameAndStayOpen() throws Exception {
        String id = newStream();
        try (var client = connect(id, null)) {
            client.send("{not json");
            client.send("{\"op\":\"dance\"}");
            await().atMost(Duration.ofSeconds(5)).until(() -> client.messages().size() == 2);
            assertThat(client.messages()).allSatisfy(m -> assertThat(Json.MAPPER.readTree(m).path("type").asText())
                    .isEqualTo("error"));
            assertThat(Json.MAPPER.readTree(client.messages().get(1)).path("detail").asText())
                    .contains("op must be one of pause, resume, cancel");

            publish(id, 0, FrameType.STARTED, null);
            publish(id, 1, FrameType.CANCELLED, null);
            assertThat(client.closed().get(10, TimeUnit.SECONDS)).isEqualTo(1000);
            assertThat(seqs(client.messages().subList(2, 4))).containsExactly(0L, 1L);
        }
    }

    @Test
    void shouldRelayAnOpAndReportAnUnreachableControlServiceAsAnErrorFrame() throws Exception {
        String id = newStream();
        try (var client = connect(id, null)) {
            client.send("{\"op\":\"pause\"}");
            await().atMost(Duration.ofSeconds(10)).until(() -> client.messages().size() == 1);
            var answer = Json.MAPPER.readTree(client.messages().get(0));
            assertThat(answer.path("type").asText()).isEqualTo("error");
            assertThat(answer.path("op").asText()).isEqualTo("pause");
            assertThat(answer.path("status").asInt()).isEqualTo(503);
        }
    }

    @Test
    void shouldRefuseAMalformedAfterWithCloseCode1008() throws Exception {
        try (var client = WebSocketRecorder.connect(wsUri(newStream(), "after=banana"))) {
            assertThat(client.closed().get(10, TimeUnit.SECONDS)).isEqualTo(1008);
            assertThat(client.messages()).singleElement().asString().contains("after must be a delivery seq");
        }
    }

    @Test
    void shouldServeServerSentEventsResumingFromLastEventId() throws Exception {
        String id = newStream();
        publish(id, 0, FrameType.STARTED, null);
        publish(id, 1, FrameType.TOKEN, "x");
        publish(id, 2, FrameType.TOKEN, "y");
        publish(id, 3, FrameType.COMPLETED, null);

        var request = HttpRequest.newBuilder(base.resolve("/v1/streams/" + id + "/events?token="
                        + TestKeys.streamToken(id)))
                .header("Last-Event-ID", "1").timeout(Duration.ofSeconds(10)).build();
        HttpResponse<java.io.InputStream> response = HttpClient.newHttpClient()
                .send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v)
                .startsWith("text/event-stream"));
        assertThat(response.headers().firstValue("x-accel-buffering")).hasValue("no");
        List<String> ids = new ArrayList<>();
        try (var reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("id: ")) {
                    ids.add(line.substring(4));
                }
            }
        }
        assertThat(ids).containsExactly("2", "3");
    }

    @Test
    void shouldRefuseAStreamIdThatIsNotOneWithoutEchoingIt() throws Exception {
        // The raw path of the report: a line break in the id would have written an "evil" event into the stream.
        var request = HttpRequest.newBuilder(base.resolve("/v1/streams/abc%0Aevent:%20evil%0Adata:%20x/events"))
                .header("Authorization", "Bearer " + TestKeys.streamToken(StreamIds.newId()))
                .timeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("content-type")).hasValue(Problem.MEDIA_TYPE);
        assertThat(response.body()).contains("must be a UUID").doesNotContain("evil");

        try (var client = WebSocketRecorder.connect(wsUri("not-a-stream", null))) {
            assertThat(client.closed().get(10, TimeUnit.SECONDS)).isEqualTo(1008);
            assertThat(client.messages()).singleElement().satisfies(m -> assertThat(m)
                    .contains("must be a UUID").doesNotContain("not-a-stream"));
        }
    }

    @Test
    void shouldServeAStreamOnlyToTheHolderOfItsStreamToken() throws Exception {
        String id = newStream();
        publish(id, 0, FrameType.STARTED, null);
        URI plain = URI.create("ws://" + base.getHost() + ":" + base.getPort() + "/v1/streams/" + id + "/ws");

        // Anonymous: the handshake itself is refused (401), over WebSocket and SSE.
        assertHandshakeRefused(plain, 401);
        assertThat(sse(id, null).statusCode()).isEqualTo(401);
        // A forged or expired token: 401.
        String forged = new StreamTokens(Optional.of("not-the-secret-but-at-least-thirty-two-bytes"),
                Duration.ofMinutes(5)).issue(id, "tenant-a", true);
        String expired = new StreamTokens(Optional.of(TestKeys.STREAM_TOKEN_SECRET), Duration.ofMinutes(-5))
                .issue(id, "tenant-a", true);
        for (String token : List.of(forged, expired)) {
            assertThat(sse(id, "Bearer " + token).statusCode()).isEqualTo(401);
            assertHandshakeRefused(URI.create(plain + "?token=" + token), 401);
        }
        // Another stream's token: as if the stream did not exist. An API key: use the links.
        String otherStream = "Bearer " + TestKeys.streamToken(newStream());
        assertThat(sse(id, otherStream).statusCode()).isEqualTo(404);
        assertRefused(plain, Map.of("Authorization", otherStream), 404);
        assertRefused(plain, Map.of("Authorization", TestKeys.bearer(TestKeys.TENANT_A)), 403);
        assertThat(sse(id, TestKeys.bearer(TestKeys.TENANT_A)).statusCode()).isEqualTo(403);
        // A page of another site holding a visitor's token.
        assertRefused(plain, Map.of("Authorization", "Bearer " + TestKeys.streamToken(id),
                "Origin", "https://evil.example"), 403);
        try (var client = WebSocketRecorder.connect(plain, Map.of("Authorization",
                "Bearer " + TestKeys.streamToken(id)))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> !client.messages().isEmpty());
            assertThat(client.messages().get(0)).contains("\"started\"");
        }
    }

    private static void assertHandshakeRefused(URI uri, int status) {
        assertThatThrownBy(() -> WebSocketRecorder.connect(uri)).cause()
                .isInstanceOfSatisfying(WebSocketHandshakeException.class,
                        e -> assertThat(e.getResponse().statusCode()).isEqualTo(status));
    }

    private void assertRefused(URI uri, Map<String, String> headers, int status) throws Exception {
        try (var client = WebSocketRecorder.connect(uri, headers)) {
            assertThat(client.closed().get(10, TimeUnit.SECONDS)).isEqualTo(1008);
            assertThat(Json.MAPPER.readTree(client.messages().get(0)).path("status").asInt()).isEqualTo(status);
        }
    }

    private HttpResponse<String> sse(String id, String authorization) throws Exception {
        var request = HttpRequest.newBuilder(base.resolve("/v1/streams/" + id + "/events"))
                .timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** @return an id as control-service makes them (version 7: memory holds such a new stream whole) */
    private static String newStream() {
        return StreamIds.newId();
    }

    private WebSocketRecorder connect(String id, Long after) throws Exception {
        var client = WebSocketRecorder.connect(wsUri(id, after == null ? null : "after=" + after));
        return client;
    }

    private URI wsUri(String id, String query) {
        return URI.create("ws://" + base.getHost() + ":" + base.getPort() + "/v1/streams/" + id + "/ws?token="
                + TestKeys.streamToken(id) + (query == null ? "" : "&" + query));
    }

    private static byte[] frame(String id, long seq, FrameType type, String text) {
        return DeliveryFrameRecords.encode(new DeliveryFrame(type, id, seq, text, 1L, null, null, null));
    }

    private static void publish(String id, long seq, FrameType type, String text) {
        TopicProbe.send(Topics.DELIVERIES, id, new DeliveryFrame(type, id, seq, text, 1L, null, null, null),
                JsonSerde.of(DeliveryFrame.class));
    }

    private static List<Long> seqs(List<String> messages) throws Exception {
        List<Long> seqs = new ArrayList<>();
        for (String message : messages) {
            seqs.add(Json.MAPPER.readTree(message).path("seq").asLong());
        }
        return seqs;
    }

    private static String texts(List<String> messages) throws Exception {
        var text = new StringBuilder();
        for (String message : messages) {
            text.append(Json.MAPPER.readTree(message).path("text").asText(""));
        }
        return text.toString();
    }
}
