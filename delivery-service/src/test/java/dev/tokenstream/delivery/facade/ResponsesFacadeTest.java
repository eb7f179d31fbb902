package dev.tokenstream.delivery.facade;

import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.RecordedRequest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.StreamIds;
import dev.tokenstream.events.ToolCall;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.Usage;
import dev.tokenstream.events.serde.Json;
import dev.tokenstream.events.serde.JsonSerde;
import dev.tokenstream.testsupport.HttpStandIn;
import dev.tokenstream.testsupport.KafkaTestResource;
import dev.tokenstream.testsupport.TestKeys;
import dev.tokenstream.testsupport.TopicProbe;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Responses API facade's mapping of frames to OpenAI's events and response object, and its resume from the
 * durable log: frames come from the real deliveries topic; control-service is a stand-in that starts every stream as
 * the one the test publishes, knows the streams the test started (others are 404) and takes cancels.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(value = ResponsesFacadeTest.Control.class, restrictToAnnotatedClass = true)
class ResponsesFacadeTest {

    private static volatile String nextStream;
    private static volatile String lastStart;
    private static final Set<String> known = ConcurrentHashMap.newKeySet();
    private static final Set<String> cancelled = ConcurrentHashMap.newKeySet();

    @TestHTTPResource("/v1/responses")
    URI responses;

    /**
     * control-service: a session for every response; start answers {@link #nextStream}; status knows
     * {@link #known}; cancel is noted.
     */
    public static final class Control extends HttpStandIn {
        @Override
        protected Map<String, String> configure(String baseUrl) {
            return Map.of("quarkus.rest-client.control-api.url", baseUrl);
        }

        @Override
        protected MockResponse answer(RecordedRequest request) {
            String path = path(request);
            String[] parts = path.split("/");
            if (path.equals("/v1/sessions")) {
                return respond(201, "application/json", "{\"sessionId\":\"" + StreamIds.newId() + "\"}");
            } else if (path.equals("/v1/streams")) {
                lastStart = body(request);
                known.add(nextStream);
                return respond(201, "application/json", "{\"streamId\":\"" + nextStream + "\"}");
            } else if (parts.length < 4 || !known.contains(parts[3])) {
                return respond(404, "application/problem+json", "{\"status\":404}");
            } else if (path.endsWith("/cancel")) {
                cancelled.add(parts[3]);
                return respond(202, "application/json", "{\"action\":\"cancel\"}");
            }
            return respond(200, "application/json", "{\"streamId\":\"" + parts[3] + "\",\"state\":"
                    + "\"COMPLETED\",\"stats\":{\"provider\":\"simulator\",\"model\":\"sim-fast\"}}");
        }
    }

    @Test
    void shouldStreamReasoningTextAndAFunctionCallAsNumberedEventsAndEndWithTheWholeResponse() throws Exception {
        String id = publishReasoningTextAndAToolCall();

        List<JsonNode> events = events(send("POST", responses, body(true, false)).body());

        assertThat(events).extracting(e -> e.path("sequence_number").asInt())
                .as("numbered from 0, one more per event").containsExactlyElementsOf(
                        java.util.stream.IntStream.range(0, events.size()).boxed().toList());
        assertThat(events).extracting(e -> e.path("type").asText()).containsExactly(
                "response.created", "response.in_progress",
                "response.output_item.added", "response.content_part.added",
                "response.reasoning_text.delta", "response.reasoning_text.delta",
                "response.reasoning_text.done", "response.content_part.done", "response.output_item.done",
                "response.output_item.added", "response.content_part.added",
                "response.output_text.delta", "response.output_text.delta",
                "response.output_text.done", "response.content_part.done", "response.output_item.done",
                "response.output_item.added", "response.function_call_arguments.delta",
                "response.function_call_arguments.delta", "response.function_call_arguments.done",
                "response.output_item.done", "response.completed");
        assertThat(events.get(0).path("response").path("id").asText()).isEqualTo("resp_" + id);
        assertThat(events.get(11).path("delta").asText()).isEqualTo("It is");
        assertThat(events.get(11).path("item_id").asText()).isEqualTo(events.get(9).path("item").path("id").asText());
        assertThat(events.get(11).path("logprobs").isArray()).isTrue();
        JsonNode call = events.get(16).path("item");
        assertThat(call.path("type").asText()).isEqualTo("function_call");
        assertThat(call.path("call_id").asText()).isEqualTo("call_1");
        assertThat(call.path("name").asText()).isEqualTo("get_weather");
        assertThat(events.get(19).path("arguments").asText()).isEqualTo("{\"city\":\"Oslo\"}");

        JsonNode response = events.get(events.size() - 1).path("response");
        assertThat(response.path("status").asText()).isEqualTo("completed");
        assertThat(response.path("output")).extracting(o -> o.path("type").asText())
                .containsExactly("reasoning", "message", "function_call");
        assertThat(response.path("output").get(1).path("content").get(0).path("text").asText())
                .isEqualTo("It is sunny.");
        assertThat(response.path("usage").path("output_tokens").asLong()).isEqualTo(9);
        assertThat(response.path("usage").path("total_tokens").asLong()).isEqualTo(21);
        JsonNode start = Json.MAPPER.readTree(lastStart);
        assertThat(start.path("messages").get(0).path("role").asText()).isEqualTo("system");
        assertThat(start.path("params").path("reasoningEffort").asText()).isEqualTo("low");
        assertThat(start.path("params").path("tools").get(0).path("name").asText()).isEqualTo("get_weather");
        assertThat(start.path("sessionId").asText()).as("a turn of a session, to continue after").isNotBlank();
    }

    @Test
    void shouldResumeAfterAnySequenceNumberWithExactlyTheEventsThatFollow() throws Exception {
        String id = publishReasoningTextAndAToolCall();
        List<JsonNode> all = events(send("POST", responses, body(true, true)).body());
        // Only the creating request knows it asked for background: a retrieval leaves the field out.
        all.stream().filter(e -> e.has("response")).forEach(e -> ((ObjectNode) e.get("response")).remove("background"));

        for (int after : List.of(0, 5, 12, all.size() - 2)) {
            List<JsonNode> rest = events(send("GET", URI.create(responses + "/resp_" + id
                    + "?stream=true&starting_after=" + after), null).body());
            assertThat(rest).as("after %d", after).isEqualTo(all.subList(after + 1, all.size()));
        }
        assertThat(cancelled).doesNotContain(id);
    }

    @Test
    void shouldAnswerTheWholeResponseAndTheCancelledOneAsCancelled() throws Exception {
        publishReasoningTextAndAToolCall();
        JsonNode whole = Json.MAPPER.readTree(send("POST", responses, body(false, false)).body());
        assertThat(whole.path("object").asText()).isEqualTo("response");
        assertThat(whole.path("status").asText()).isEqualTo("completed");
        assertThat(whole.path("output").get(2).path("arguments").asText()).isEqualTo("{\"city\":\"Oslo\"}");

        String id = StreamIds.newId();
        nextStream = id;
        publish(DeliveryFrame.of(FrameType.STARTED, id, 0, 1L), DeliveryFrame.token(id, 1, "Part", 2L),
                new DeliveryFrame(FrameType.CANCELLED, id, 2, null, 3L, "cancelled", null, null));
        JsonNode queued = Json.MAPPER.readTree(send("POST", responses, body(false, true)).body());
        assertThat(queued.path("status").asText()).isEqualTo("queued");
        assertThat(queued.path("background").asBoolean()).isTrue();

        HttpResponse<String> cancel = send("POST", URI.create(responses + "/resp_" + id + "/cancel"), "");
        assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(200);
        JsonNode answer = Json.MAPPER.readTree(cancel.body());
        assertThat(cancelled).contains(id);
        assertThat(answer.path("status").asText()).isEqualTo("cancelled");
        assertThat(answer.path("output").get(0).path("content").get(0).path("text").asText()).isEqualTo("Part");
        assertThat(answer.path("model").asText()).isEqualTo("simulator/sim-fast");
    }

    @Test
    void shouldRefuseWhatItCannotServeClearlyWithoutRepeatingTheInput() throws Exception {
        HttpResponse<String> unknown = send("GET", URI.create(responses + "/resp_" + StreamIds.newId()), null);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(Json.MAPPER.readTree(unknown.body()).path("error").path("type").asText())
                .isEqualTo("not_found_error");
        assertThat(send("GET", URI.create(responses + "/resp_%3Cb%3E"), null).statusCode()).isEqualTo(404);

        lastStart = null;
        HttpResponse<String> item = send("POST", responses, "{\"model\":\"simulator/sim-fast\",\"input\":[{\"type\":"
                + "\"item_reference\",\"id\":\"<script>\"}]}");
        assertThat(item.statusCode()).isEqualTo(400);
        assertThat(item.body()).contains("only message, function_call and function_call_output items")
                .doesNotContain("<script>");
        HttpResponse<String> previous = send("POST", responses, "{\"model\":\"simulator/sim-fast\",\"input\":\"hi\","
                + "\"previous_response_id\":\"resp_1\"}");
        assertThat(previous.statusCode()).isEqualTo(400);
        assertThat(lastStart).as("nothing reached control-service").isNull();
    }

    private static String body(boolean stream, boolean background) {
        return "{\"model\":\"simulator/sim-fast\",\"stream\":" + stream + ",\"background\":" + background
                + ",\"instructions\":\"Be brief.\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":"
                + "\"input_text\",\"text\":\"weather in Oslo\"}]}],\"reasoning\":{\"effort\":\"low\"},"
                + "\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}]}";
    }

    private static List<JsonNode> events(String body) throws Exception {
        List<JsonNode> events = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (line.startsWith("data: ")) {
                events.add(Json.MAPPER.readTree(line.substring("data: ".length())));
            }
        }
        return events;
    }

    private static HttpResponse<String> send(String method, URI uri, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20))
                .header("Authorization", TestKeys.bearer(TestKeys.TENANT_A)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** @return the stream the next start answers, its frames on the deliveries topic */
    private static String publishReasoningTextAndAToolCall() {
        String id = StreamIds.newId();
        nextStream = id;
        publish(DeliveryFrame.of(FrameType.STARTED, id, 0, 1L),
                new DeliveryFrame(FrameType.REASONING, id, 1, "Let me", 2L, null, null, null),
                new DeliveryFrame(FrameType.REASONING, id, 2, " check", 3L, null, null, null),
                DeliveryFrame.token(id, 3, "It is", 4L),
                DeliveryFrame.token(id, 4, " sunny.", 5L),
                new DeliveryFrame(FrameType.TOOL_CALL, id, 5, null, 6L, null, null, null, null,
                        ToolCall.fragment(0, "call_1", "get_weather", "{\"city\":")),
                new DeliveryFrame(FrameType.TOOL_CALL, id, 6, null, 7L, null, null, null, null,
                        ToolCall.fragment(0, null, null, "\"Oslo\"}")),
                new DeliveryFrame(FrameType.TOOL_CALL, id, 7, null, 8L, null, null, null, null,
                        ToolCall.whole(0, "call_1", "get_weather", "{\"city\":\"Oslo\"}")),
                new DeliveryFrame(FrameType.COMPLETED, id, 8, null, 9L, "tool_calls", new Usage(12L, 9L, null, 2L),
                        null));
        return id;
    }

    private static void publish(DeliveryFrame... frames) {
        for (DeliveryFrame frame : frames) {
            TopicProbe.send(Topics.DELIVERIES, frame.streamId(), frame, JsonSerde.of(DeliveryFrame.class));
        }
    }
}
