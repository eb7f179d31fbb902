package dev.tokenstream.delivery.facade;

import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.RecordedRequest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenstream.api.StartStreamRequest;
import dev.tokenstream.events.serde.Json;
import dev.tokenstream.testsupport.HttpStandIn;
import dev.tokenstream.testsupport.KafkaTestResource;
import dev.tokenstream.testsupport.TestKeys;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the Chat Completions facade with bodies drawn by jqwik's generators from valid and broken values of every
 * field (and some that are not JSON objects): no answer is a 5xx, every refusal has OpenAI's error shape and none
 * repeats what the client sent, and only well-formed start requests, with the caller's own credential, reach
 * control-service (a real HTTP stand-in here that refuses every start, as it would an invalid one).
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(value = ChatCompletionsFuzzTest.ControlStandIn.class, restrictToAnnotatedClass = true)
class ChatCompletionsFuzzTest {

    private static final int REQUESTS = 300;
    private static final Object MISSING = new Object();
    private static final List<Map.Entry<String, String>> RECEIVED = new CopyOnWriteArrayList<>();

    private final String marker = "fuzz-" + UUID.randomUUID();

    @TestHTTPResource("/v1/chat/completions")
    URI completions;

    /** control-service's start, as a stand-in that records what reaches it and refuses it with problem details. */
    public static final class ControlStandIn extends HttpStandIn {
        @Override
        protected Map<String, String> configure(String baseUrl) {
            return Map.of("quarkus.rest-client.control-api.url", baseUrl);
        }

        @Override
        protected MockResponse answer(RecordedRequest request) {
            RECEIVED.add(Map.entry(String.valueOf(header(request, "Authorization")), body(request)));
            return respond(400, "application/problem+json",
                    "{\"status\":400,\"title\":\"Invalid request\",\"detail\":\"refused by the stand-in\"}");
        }
    }

    @Test
    void shouldNeverFailWith5xxNorEchoTheRequestNorForwardAMalformedStart() throws Exception {
        Arbitrary<String> bodies = Arbitraries.frequencyOf(
                Tuple.of(12, objects()),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(40).map(s -> s + marker)),
                Tuple.of(1, Arbitraries.of("[]", "null", "42", "{\"model\":", "\"" + marker + "\"", "{}")));
        HttpClient http = HttpClient.newHttpClient();
        List<String> unexpected = new ArrayList<>();
        for (String body : bodies.sampleStream().limit(REQUESTS).toList()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(completions)
                    .header("Authorization", TestKeys.bearer(TestKeys.TENANT_A))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode error = readError(response.body());
            if (response.statusCode() != 400 || error == null || !error.path("message").isTextual()
                    || !error.path("type").isTextual() || response.body().contains(marker)) {
                unexpected.add(response.statusCode() + " " + response.body() + " for " + body);
            }
        }
        assertThat(unexpected).as("answers other than a 400 in OpenAI's error shape that repeats nothing").isEmpty();

        assertThat(RECEIVED).as("some generated requests are well formed").isNotEmpty();
        for (Map.Entry<String, String> start : RECEIVED) {
            assertThat(start.getKey()).isEqualTo(TestKeys.bearer(TestKeys.TENANT_A));
            StartStreamRequest forwarded = Json.MAPPER.readValue(start.getValue(), StartStreamRequest.class);
            assertThat(forwarded.provider()).isNotBlank();
            assertThat(forwarded.model()).isNotNull();
            assertThat(forwarded.messages()).isNotNull();
        }
    }

    private static JsonNode readError(String body) {
        try {
            JsonNode error = Json.MAPPER.readTree(body).path("error");
            return error.isObject() ? error : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** JSON objects whose every field is drawn from valid, absent and broken values. */
    private Arbitrary<String> objects() {
        Arbitrary<Object> models = Arbitraries.of("simulator/sim-fast", "sim-fast", "nope/" + marker, "", "/x",
                "a/b/c", 7, null, MISSING);
        Arbitrary<Object> roles = Arbitraries.of("user", "system", "assistant", "tool", 5, MISSING);
        Arbitrary<Object> contents = Arbitraries.of(marker, "", List.of(Map.of("type", "text", "text", marker)),
                42, MISSING);
        Arbitrary<Object> limits = Arbitraries.of(-1, 0, 16, 70_000, "ten", 1.5, MISSING);
        Arbitrary<Object> temperatures = Arbitraries.of(0, 0.7, 2.5, "hot", MISSING);
        Arbitrary<Object> streams = Arbitraries.of(true, false, "yes", MISSING);
        Arbitrary<Object> options = Arbitraries.of(Map.of("include_usage", true), "x", MISSING);
        Arbitrary<Integer> messageShapes = Arbitraries.of(0, 1, 2, 3);
        return Combinators.combine(models, roles, contents, limits, temperatures, streams, options, messageShapes)
                .as(this::object);
    }

    private String object(Object model, Object role, Object content, Object limit, Object temperature,
                          Object stream, Object options, int messageShape) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        put(body, "model", model);
        switch (messageShape) {
            case 0 -> { }
            case 1 -> body.put("messages", marker);
            case 2 -> body.putArray("messages");
            default -> {
                ObjectNode message = body.putArray("messages").addObject();
                put(message, "role", role);
                put(message, "content", content);
            }
        }
        put(body, "max_tokens", limit);
        put(body, "temperature", temperature);
        put(body, "stream", stream);
        put(body, "stream_options", options);
        return Json.write(body);
    }

    private static void put(ObjectNode node, String field, Object value) {
        if (value != MISSING) {
            node.set(field, Json.MAPPER.valueToTree(value));
        }
    }
}
