package dev.tokenstream.processor;

import dev.tokenstream.events.ControlAction;
import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.ModelStats;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.StreamStats;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.JsonSerde;
import dev.tokenstream.testsupport.KafkaTestResource;
import dev.tokenstream.testsupport.MetricsScrape;
import dev.tokenstream.testsupport.TestKeys;
import dev.tokenstream.testsupport.TopicProbe;
import io.micrometer.core.instrument.Metrics;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.awaitility.Awaitility.await;

/** The processor as deployed (Quarkus, its Kafka Streams settings) against a real broker. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
class ProcessorBrokerTest {

    @TestHTTPResource(value = "/metrics", management = true) // under the management root, /q
    URI metrics;

    @Test
    void shouldTurnTokenEventsAndCommandsIntoFramesAndStats() {
        String id = UUID.randomUUID().toString();
        long t0 = 1_000_000L;
        sendToken(TokenEvent.started(id, 0, "simulator", "sim-fast", t0, t0, t0));
        sendToken(TokenEvent.token(id, 1, "Hello", t0 + 100_000));
        sendToken(TokenEvent.token(id, 1, "Hello", t0 + 100_000));
        TopicProbe.send(Topics.CONTROL, id, new ControlCommand("c1", id, ControlAction.CANCEL, t0 + 150_000),
                JsonSerde.of(ControlCommand.class));
        sendToken(TokenEvent.token(id, 2, " world", t0 + 200_000));

        List<DeliveryFrame> frames = TopicProbe.readUntil(Topics.DELIVERIES, JsonSerde.of(DeliveryFrame.class),
                        list -> list.stream().anyMatch(r -> id.equals(r.key()) && r.value().type().isTerminal()),
                        Duration.ofSeconds(30))
                .stream().filter(r -> id.equals(r.key())).map(ConsumerRecord::value).toList();
        assertThat(frames).extracting(DeliveryFrame::type)
                .containsExactly(FrameType.STARTED, FrameType.TOKEN, FrameType.CANCELLED);

        List<StreamStats> stats = TopicProbe.readUntil(Topics.STREAM_STATS, JsonSerde.of(StreamStats.class),
                        list -> list.stream().anyMatch(r -> id.equals(r.key()) && r.value().state().isTerminal()),
                        Duration.ofSeconds(30))
                .stream().filter(r -> id.equals(r.key())).map(ConsumerRecord::value).toList();
        StreamStats last = stats.get(stats.size() - 1);
        assertThat(last.state()).isEqualTo(StreamState.CANCELLED);
        assertThat(last.ttftMillis()).isEqualTo(100.0);
    }

    @Test
    void shouldDeadLetterPoisonOnTheControlTopicAndKeepProcessing() {
        String poisonKey = "poison-" + UUID.randomUUID();
        TopicProbe.sendRaw(Topics.CONTROL, poisonKey, "{\"action\":");
        String id = UUID.randomUUID().toString();
        sendToken(TokenEvent.started(id, 0, "simulator", "sim-fast", 1L, 1L, 1L));

        var dead = TopicProbe.readUntil(Topics.DLQ, TopicProbe.bytes(),
                list -> list.stream().anyMatch(r -> poisonKey.equals(r.key())), Duration.ofSeconds(30))
                .stream().filter(r -> poisonKey.equals(r.key())).findFirst().orElseThrow();
        assertThat(new String(dead.value(), StandardCharsets.UTF_8)).isEqualTo("{\"action\":");
        assertThat(new String(dead.headers().lastHeader(Topics.DLQ_HEADER_ORIGIN).value(), StandardCharsets.UTF_8))
                .startsWith(Topics.CONTROL + "/");
        assertThat(TopicProbe.readUntil(Topics.DELIVERIES, JsonSerde.of(DeliveryFrame.class),
                list -> list.stream().anyMatch(r -> id.equals(r.key())), Duration.ofSeconds(30)))
                .anyMatch(r -> id.equals(r.key()) && r.value().type() == FrameType.STARTED);
    }

    @Test
    void shouldDeadLetterPoisonOnEveryInputTopicAndLoseNothingElse() {
        String id = UUID.randomUUID().toString();
        String tag = "poison-" + id;
        String model = "model-" + tag;
        TopicProbe.sendRaw(Topics.TOKENS, id, "not json " + tag);
        TopicProbe.sendRaw(Topics.REQUESTS, id, "not json " + tag);
        TopicProbe.sendRaw(Topics.MODEL_SAMPLES, id, "not json " + tag);
        sendToken(TokenEvent.started(id, 0, "simulator", model, 1L, 1L, 1L));
        TopicProbe.sendRaw(Topics.CONTROL, id, "{\"streamId\":\"" + id + "\",\"commandId\":\"" + tag + "\"}");
        sendToken(TokenEvent.token(id, 1, "kept", 2L));
        TopicProbe.sendRaw(Topics.TOKENS, id, "{\"streamId\":\"" + id + "\",\"seq\":2,\"text\":\"" + tag + "\"}");
        sendToken(TokenEvent.token(id, 2, " all", 3L));
        sendToken(TokenEvent.completed(id, 3, "stop", null, 4L));

        List<DeliveryFrame> frames = TopicProbe.readUntil(Topics.DELIVERIES, JsonSerde.of(DeliveryFrame.class),
                        list -> list.stream().anyMatch(r -> id.equals(r.key()) && r.value().type().isTerminal()),
                        Duration.ofSeconds(30))
                .stream().filter(r -> id.equals(r.key())).map(ConsumerRecord::value).toList();
        assertThat(frames).extracting(DeliveryFrame::type).containsExactly(FrameType.STARTED, FrameType.TOKEN,
                FrameType.TOKEN, FrameType.COMPLETED);
        assertThat(frames).extracting(DeliveryFrame::text).containsExactly(null, "kept", " all", null);

        var dead = TopicProbe.readUntil(Topics.DLQ, TopicProbe.bytes(),
                list -> list.stream().filter(r -> new String(r.value(), StandardCharsets.UTF_8).contains(tag)).count() == 5,
                Duration.ofSeconds(30)).stream()
                .filter(r -> new String(r.value(), StandardCharsets.UTF_8).contains(tag)).toList();
        assertThat(dead).hasSize(5).allSatisfy(r -> assertThat(r.key()).isEqualTo(id));
        assertThat(dead).extracting(r -> new String(r.headers().lastHeader(Topics.DLQ_HEADER_ERROR).value(),
                StandardCharsets.UTF_8))
                .anySatisfy(why -> assertThat(why).contains("cannot read TokenEvent"))
                .anySatisfy(why -> assertThat(why).isEqualTo("record has no action"))
                .anySatisfy(why -> assertThat(why).isEqualTo("record has no kind"));
        assertThat(dead).extracting(r -> new String(r.headers().lastHeader(Topics.DLQ_HEADER_ORIGIN).value(),
                StandardCharsets.UTF_8))
                .anySatisfy(origin -> assertThat(origin).startsWith(Topics.TOKENS + "/"))
                .anySatisfy(origin -> assertThat(origin).startsWith(Topics.CONTROL + "/"))
                .anySatisfy(origin -> assertThat(origin).startsWith(Topics.REQUESTS + "/"))
                .anySatisfy(origin -> assertThat(origin).startsWith(Topics.MODEL_SAMPLES + "/"));
        // The model statistics went on past the poison sample: this stream is counted.
        var stats = TopicProbe.readUntil(Topics.MODEL_STATS, JsonSerde.of(ModelStats.class),
                list -> list.stream().anyMatch(r -> r.value() != null && model.equals(r.value().model())
                        && r.value().completed() == 1), Duration.ofSeconds(30));
        assertThat(stats).anyMatch(r -> r.value() != null && model.equals(r.value().model()));
    }

    @Test
    void shouldBeReadyOnlyWhenKafkaStreamsRuns() {
        given().get(metrics.resolve("/q/health/ready")).then().statusCode(200)
                .body("checks.find { it.name == 'Kafka Streams processing' }.data.state", equalTo("RUNNING"));
    }

    @Test
    void shouldExposeStreamMetricsAndKafkaStreamsMetricsForPrometheus() {
        String id = UUID.randomUUID().toString();
        String model = "metrics-" + id;
        long t0 = 1_000_000L;
        sendToken(TokenEvent.started(id, 0, "simulator", model, t0, t0, t0));
        sendToken(TokenEvent.token(id, 1, "Hello", t0 + 250_000));
        sendToken(TokenEvent.token(id, 2, " world", t0 + 300_000));
        sendToken(TokenEvent.completed(id, 3, "stop", null, t0 + 310_000));
        TopicProbe.readUntil(Topics.DELIVERIES, JsonSerde.of(DeliveryFrame.class),
                list -> list.stream().anyMatch(r -> id.equals(r.key()) && r.value().type().isTerminal()),
                Duration.ofSeconds(30));
        // The dead-letter handler, made by Kafka Streams and not by CDI, counts in Micrometer's global registry.
        Metrics.globalRegistry.counter("tokenstream.probe.global").increment();

        MetricsScrape scrape = MetricsScrape.of(metrics);
        var tags = Map.of("gen_ai_provider_name", "simulator", "gen_ai_request_model", model);
        assertThat(scrape.sum("tokenstream_streams_started_total", tags)).isEqualTo(1);
        assertThat(scrape.sum("tokenstream_streams_ended_total", Map.of("gen_ai_request_model", model,
                "state", "completed"))).isEqualTo(1);
        assertThat(scrape.sum("gen_ai_server_time_to_first_token_seconds_sum", tags)).isEqualTo(0.25);
        assertThat(scrape.sum("gen_ai_server_time_per_output_token_seconds_count", tags)).isEqualTo(1);
        assertThat(scrape.has("tokenstream_streams_active")).isTrue();
        assertThat(scrape.sum("tokenstream_probe_global_total", Map.of())).isEqualTo(1);
        assertThat(scrape.text()).contains("kafka_stream_");
    }

    @Test
    void shouldAnswerStreamAndModelStatisticsFromItsStores() {
        // A tenant's usage counts the current minute only: the samples and the queries must fall in one minute.
        startOfAMinuteWithAtLeast(Duration.ofSeconds(40));
        String id = UUID.randomUUID().toString();
        String model = "iq-" + id;
        long t0 = System.currentTimeMillis() * 1000;
        sendToken(TokenEvent.started(id, 0, "simulator", model, t0, t0, t0).withTenant("tenant-a"));
        sendToken(TokenEvent.token(id, 1, "Hello", t0 + 120_000));
        sendToken(TokenEvent.token(id, 2, " world", t0 + 140_000));
        sendToken(TokenEvent.completed(id, 3, "stop", null, t0 + 150_000));

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> asService().get("/v1/streams/{id}/stats", id)
                .then().log().ifValidationFails().statusCode(200).body("state", equalTo("COMPLETED"))
                .body("ttftMillis", equalTo(120.0f)).body("outputTokens", equalTo(2))
                .body("tenant", equalTo("tenant-a")));
        // The stream's tenant sees it; another tenant is answered as if it did not exist; nobody anonymous.
        given().header("Authorization", TestKeys.bearer(TestKeys.TENANT_A)).get("/v1/streams/{id}/stats", id)
                .then().statusCode(200);
        given().header("Authorization", TestKeys.bearer(TestKeys.TENANT_B)).get("/v1/streams/{id}/stats", id)
                .then().statusCode(404);
        given().get("/v1/streams/{id}/stats", id).then().statusCode(401).contentType("application/problem+json");
        // Its output tokens count in its tenant's usage, which the tenant and the services see.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> asService().get("/v1/tenants/tenant-a/usage")
                .then().statusCode(200).body("tenant", equalTo("tenant-a"))
                .body("outputTokens", greaterThanOrEqualTo(2)));
        given().header("Authorization", TestKeys.bearer(TestKeys.TENANT_B)).get("/v1/tenants/tenant-a/usage")
                .then().statusCode(404);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> asService().get("/v1/models/stats").then()
                .statusCode(200)
                .body("find { it.model == '" + model + "' }.started", equalTo(1))
                .body("find { it.model == '" + model + "' }.completed", equalTo(1))
                .body("find { it.model == '" + model + "' }.ttftP50Millis",
                        allOf(greaterThanOrEqualTo(119f), lessThanOrEqualTo(122f))));
        asService().get("/v1/streams/{id}/stats", UUID.randomUUID().toString()).then().statusCode(404)
                .contentType("application/problem+json").body("status", equalTo(404));
        asService().get("/v1/streams/{id}/stats", "no-such-stream").then().statusCode(400)
                .contentType("application/problem+json").body("detail", equalTo("the stream id in the path must be a UUID"));
    }

    /**
     * Waits until at least {@code needed} of the current minute are left: when fewer are, until the next minute
     * starts, which is less than {@code needed} away.
     */
    private static void startOfAMinuteWithAtLeast(Duration needed) {
        await().atMost(needed.plusSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> 60_000 - System.currentTimeMillis() % 60_000 >= needed.toMillis());
    }

    private static RequestSpecification asService() {
        return given().header("Authorization", TestKeys.bearer(TestKeys.SERVICE));
    }

    private static void sendToken(TokenEvent event) {
        TopicProbe.send(Topics.TOKENS, event.streamId(), event, JsonSerde.of(TokenEvent.class));
    }
}
