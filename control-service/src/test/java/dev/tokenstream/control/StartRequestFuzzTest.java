package dev.tokenstream.control;

import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import dev.tokenstream.control.messaging.ProviderCatalog;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenstream.events.StreamRequest;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.Json;
import dev.tokenstream.events.serde.JsonSerde;
import dev.tokenstream.testsupport.KafkaTestResource;
import dev.tokenstream.testsupport.ProcessorQueriesServer;
import dev.tokenstream.testsupport.TestKeys;
import dev.tokenstream.testsupport.TopicProbe;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes {@code POST /v1/streams} with request bodies drawn by jqwik's generators from valid and broken values of
 * every field (and some that are not JSON objects at all): no answer is a 500, every refusal is problem details,
 * and only requests answered 201 reach Kafka.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(ProcessorQueriesServer.class)
@QuarkusTestResource(CatalogResource.class)
class StartRequestFuzzTest {

    @Inject
    ProviderCatalog catalog;

    /** Starts are refused with 503 until the catalog published before start-up is read (the design's answer). */
    @BeforeEach
    void awaitTheCatalog() {
        await().atMost(Duration.ofSeconds(30)).until(catalog::isKnown);
    }

    private static final int REQUESTS = 400;
    /** 404: a {@code replay:<id>} of a stream the tenant does not have. */
    private static final Set<Integer> EXPECTED = Set.of(201, 400, 404, 413, 415, 422);

    private final String marker = "fuzz-" + UUID.randomUUID();

    @Test
    void shouldNeverFailWith500NorWriteARequestItRefused() {
        Arbitrary<String> bodies = Arbitraries.frequencyOf(
                Tuple.of(12, objects()),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(40)),
                Tuple.of(1, Arbitraries.of("[]", "null", "42", "{\"provider\":", "\"text\"", "{}")));
        int started = 0;
        List<String> unexpected = new ArrayList<>();
        for (String body : bodies.sampleStream().limit(REQUESTS).toList()) {
            Response response = given().header("Authorization", TestKeys.bearer(TestKeys.TENANT_A))
                    .contentType("application/json").body(body).post("/v1/streams");
            int status = response.statusCode();
            if (!EXPECTED.contains(status) || (status != 201
                    && !response.contentType().startsWith("application/problem+json"))) {
                unexpected.add(status + " " + response.contentType() + " for " + body);
            }
            if (status == 201) {
                started++;
            }
        }
        assertThat(unexpected).as("answers other than 201 or a 4xx problem").isEmpty();
        assertThat(started).as("some generated requests are valid").isPositive();

        int expectedStreams = started;
        var written = TopicProbe.readUntil(Topics.REQUESTS, JsonSerde.of(StreamRequest.class),
                list -> streams(list) >= expectedStreams, Duration.ofSeconds(20));
        assertThat(streams(written)).as("streams written, one per 201").isEqualTo(started);
    }

    private long streams(List<ConsumerRecord<String, StreamRequest>> records) {
        return records.stream().filter(r -> r.value() != null && !r.value().messages().isEmpty()
                        && marker.equals(r.value().messages().get(0).content()))
                .map(r -> r.key()).collect(Collectors.toSet()).size();
    }

    /** JSON objects whose every field is drawn from valid, absent and broken values. */
    private Arbitrary<String> objects() {
        Arbitrary<Object> providers = Arbitraries.of("simulator", "listed", "ollama", "nope", "", "replay:"
                + UUID.randomUUID(), "replay:x", "sim\nulator", MISSING);
        Arbitrary<Object> models = Arbitraries.of("sim-fast", "model-a", "model-c", "", "x".repeat(300), 7, MISSING);
        Arbitrary<Object> maxTokens = Arbitraries.of(-5, 0, 1, 100, 1000, 1001, 70_000, Integer.MAX_VALUE, "ten",
                1.5, MISSING);
        Arbitrary<Object> temperatures = Arbitraries.of(-1, 0, 0.7, 2, 2.01, 99, "hot", MISSING);
        Arbitrary<Object> roles = Arbitraries.of("user", "system", "assistant", "robot", "", MISSING);
        Arbitrary<Object> modes = Arbitraries.of("none", "words", "window", "tokens", "paragraphs", 3, MISSING);
        Arbitrary<Object> sizes = Arbitraries.of(0, 1, 5, 60_000, 60_001, -1, MISSING);
        Arbitrary<Object> mergeModes = Arbitraries.of("race", "fallback", "compare", "vote", MISSING);
        Arbitrary<Boolean> coin = Arbitraries.of(true, false);
        Arbitrary<Object[]> fields = Combinators.combine(providers, models, maxTokens, temperatures, roles, modes,
                sizes, mergeModes).as((a, b, c, d, e, f, g, h) -> new Object[] {a, b, c, d, e, f, g, h});
        return fields.flatMap(f -> Combinators.combine(coin, coin, coin).as((group, messages, buffering) ->
                object(f, group, messages, buffering)));
    }

    private static final Object MISSING = new Object();

    private String object(Object[] f, boolean group, boolean messages, boolean buffers) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        if (group) {
            ArrayNode targets = body.putArray("targets");
            targets.addObject().put("provider", "simulator").put("model", "sim-fast");
            put(targets.addObject(), "provider", f[0]);
            put((ObjectNode) targets.get(1), "model", f[1]);
            put(body.putObject("merge"), "mode", f[7]);
        } else {
            put(body, "provider", f[0]);
            put(body, "model", f[1]);
        }
        if (messages) {
            ObjectNode message = body.putArray("messages").addObject();
            put(message, "role", f[4]);
            message.put("content", marker);
        }
        ObjectNode params = body.putObject("params");
        put(params, "maxTokens", f[2]);
        put(params, "temperature", f[3]);
        if (buffers) {
            ObjectNode buffering = body.putObject("buffering");
            put(buffering, "mode", f[5]);
            put(buffering, "size", f[6]);
        }
        return Json.write(body);
    }

    private static void put(ObjectNode node, String field, Object value) {
        if (value != MISSING) {
            node.set(field, Json.MAPPER.valueToTree(value));
        }
    }
}
