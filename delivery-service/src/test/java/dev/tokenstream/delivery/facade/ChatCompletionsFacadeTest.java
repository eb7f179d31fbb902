package dev.tokenstream.delivery.facade;

import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.RecordedRequest;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.StreamIds;
import dev.tokenstream.events.ToolCall;
import dev.tokenstream.events.Topics;
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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Chat Completions facade's mapping of frames to OpenAI's chunks and message: reasoning as
 * {@code delta.reasoning_content}, tool calls as {@code delta.tool_calls} fragments (the first with id, type and
 * name) and as {@code message.tool_calls}, finish reason {@code tool_calls}. Frames come from the real deliveries
 * topic; control-service is a stand-in that answers every start with the stream the test publishes.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(value = ChatCompletionsFacadeTest.StartsAStream.class, restrictToAnnotatedClass = true)
class ChatCompletionsFacadeTest {

    private static volatile String nextStream;
    /** The last start request control-service's stand-in received. */
    private static volatile String lastStart;

    @TestHTTPResource("/v1/chat/completions")
    URI completions;

    /** control-service's start, answering 201 with {@link #nextStream}. */
    public static final class StartsAStream extends HttpStandIn {
        @Override
        protected Map<String, String> configure(String baseUrl) {
            return Map.of("quarkus.rest-client.control-api.url", baseUrl);
        }

        @Override
        protected MockResponse answer(RecordedRequest request) {
            lastStart = body(request);
            return respond(201, "application/json", "{\"streamId\":\"" + nextStream + "\",\"status\":\"REQUESTED\"}");
        }
    }

    @Test
    void shouldStreamReasoningAndToolCallFragmentsAsOpenAiChunks() throws Exception {
        String id = publishAnswerWithReasoningAndAToolCall();

        List<JsonNode> chunks = new ArrayList<>();
        for (String line : post(true).body().split("\n")) {
            if (line.startsWith("data: {")) {
                chunks.add(Json.MAPPER.readTree(line.substring("data: ".length())));
            }
        }
        List<JsonNode> deltas = chunks.stream().map(c -> c.path("choices").path(0).path("delta")).toList();
        assertThat(deltas).extracting(d -> d.path("reasoning_content").asText(null)).contains("Let me", " check");
        List<JsonNode> calls = deltas.stream().filter(d -> d.has("tool_calls")).map(d -> d.get("tool_calls").get(0))
                .toList();
        assertThat(calls).hasSize(2).as("the fragments only, not the assembled call again");
        assertThat(calls.get(0).path("index").asInt()).isZero();
        assertThat(calls.get(0).path("id").asText()).isEqualTo("call_1");
        assertThat(calls.get(0).path("type").asText()).isEqualTo("function");
        assertThat(calls.get(0).path("function").path("name").asText()).isEqualTo("get_weather");
        assertThat(calls.get(1).has("id")).isFalse();
        assertThat(calls.get(0).path("function").path("arguments").asText()
                + calls.get(1).path("function").path("arguments").asText()).isEqualTo("{\"query\":\"Oslo\"}");
        assertThat(chunks.get(chunks.size() - 1).path("choices").path(0).path("finish_reason").asText())
                .isEqualTo("tool_calls");
        assertThat(id).isNotBlank();
    }

    @Test
    void shouldAnswerTheWholeToolCallInTheMessage() throws Exception {
        publishAnswerWithReasoningAndAToolCall();

        JsonNode answer = Json.MAPPER.readTree(post(false).body());

        JsonNode message = answer.path("choices").path(0).path("message");
        assertThat(message.path("tool_calls")).hasSize(1);
        JsonNode call = message.path("tool_calls").get(0);
        assertThat(call.has("index")).isFalse();
        assertThat(call.path("id").asText()).isEqualTo("call_1");
        assertThat(call.path("function").path("name").asText()).isEqualTo("get_weather");
        assertThat(call.path("function").path("arguments").asText()).isEqualTo("{\"query\":\"Oslo\"}");
        assertThat(answer.path("choices").path(0).path("finish_reason").asText()).isEqualTo("tool_calls");
    }

    @Test
    void shouldEndAStreamCancelledByAnotherPartyWithAnErrorNotAFinishReason() throws Exception {
        String id = StreamIds.newId();
        nextStream = id;
        List.of(DeliveryFrame.of(FrameType.STARTED, id, 0, 1L), DeliveryFrame.token(id, 1, "Part", 2L),
                        new DeliveryFrame(FrameType.CANCELLED, id, 2, null, 3L, "cancelled", null, null))
                .forEach(frame -> TopicProbe.send(Topics.DELIVERIES, id, frame, JsonSerde.of(DeliveryFrame.class)));

        List<JsonNode> events = new ArrayList<>();
        String body = post(true).body();
        for (String line : body.split("\n")) {
            if (line.startsWith("data: {")) {
                events.add(Json.MAPPER.readTree(line.substring("data: ".length())));
            }
        }
        assertThat(events.get(1).path("choices").path(0).path("delta").path("content").asText()).isEqualTo("Part");
        JsonNode last = events.get(events.size() - 1);
        assertThat(last.path("error").path("code").asText()).isEqualTo("cancelled");
        assertThat(events).noneMatch(e -> e.path("choices").path(0).hasNonNull("finish_reason"));
        assertThat(body).doesNotContain("[DONE]");

        HttpResponse<String> whole = post(false);
        assertThat(whole.statusCode()).isEqualTo(409);
        assertThat(Json.MAPPER.readTree(whole.body()).path("error").path("message").asText()).contains("cancelled");
    }

    @Test
    void shouldTakeTextContentPartsTheDeveloperRoleAndTheReasoningEffortAndRefuseOtherPartsClearly() throws Exception {
        publishAnswerWithReasoningAndAToolCall();
        lastStart = null;

        HttpResponse<String> answer = post("{\"model\":\"simulator/sim-fast\",\"reasoning_effort\":\"low\","
                + "\"messages\":[{\"role\":\"developer\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"weather \"},"
                + "{\"type\":\"text\",\"text\":\"in Oslo\"}]}]}");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode messages = Json.MAPPER.readTree(lastStart).path("messages");
        assertThat(messages.get(0).path("role").asText()).isEqualTo("system");
        assertThat(messages.get(0).path("content").asText()).isEqualTo("Be brief.");
        assertThat(messages.get(1).path("content").asText()).isEqualTo("weather in Oslo");
        assertThat(Json.MAPPER.readTree(lastStart).path("params").path("reasoningEffort").asText()).isEqualTo("low");

        lastStart = null;
        HttpResponse<String> image = post("{\"model\":\"simulator/sim-fast\",\"messages\":[{\"role\":\"user\","
                + "\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":"
                + "\"https://example.com/<b>.png\"}}]}]}");
        assertThat(image.statusCode()).isEqualTo(400);
        JsonNode error = Json.MAPPER.readTree(image.body()).path("error");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("message").asText()).contains("only text content parts").doesNotContain("example.com");
        assertThat(lastStart).as("nothing reached control-service").isNull();
    }

    private HttpResponse<String> post(boolean stream) throws Exception {
        String body = "{\"model\":\"simulator/sim-fast\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"weather in Oslo\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":"
                + "\"get_weather\",\"parameters\":{\"type\":\"object\"}}}]}";
        return post(body);
    }

    private HttpResponse<String> post(String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(completions).timeout(Duration.ofSeconds(20))
                .header("Authorization", TestKeys.bearer(TestKeys.TENANT_A)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** @return the stream the next start answers, its frames on the deliveries topic */
    private static String publishAnswerWithReasoningAndAToolCall() {
        String id = StreamIds.newId();
        nextStream = id;
        List<DeliveryFrame> frames = List.of(
                DeliveryFrame.of(FrameType.STARTED, id, 0, 1L),
                new DeliveryFrame(FrameType.REASONING, id, 1, "Let me", 2L, null, null, null),
                new DeliveryFrame(FrameType.REASONING, id, 2, " check", 3L, null, null, null),
                new DeliveryFrame(FrameType.TOOL_CALL, id, 3, null, 4L, null, null, null, null,
                        ToolCall.fragment(0, "call_1", "get_weather", "{\"query\":")),
                new DeliveryFrame(FrameType.TOOL_CALL, id, 4, null, 5L, null, null, null, null,
                        ToolCall.fragment(0, null, null, "\"Oslo\"}")),
                new DeliveryFrame(FrameType.TOOL_CALL, id, 5, null, 6L, null, null, null, null,
                        ToolCall.whole(0, "call_1", "get_weather", "{\"query\":\"Oslo\"}")),
                new DeliveryFrame(FrameType.COMPLETED, id, 6, null, 7L, "tool_calls", null, null));
        frames.forEach(frame -> TopicProbe.send(Topics.DELIVERIES, id, frame, JsonSerde.of(DeliveryFrame.class)));
        return id;
    }
}
