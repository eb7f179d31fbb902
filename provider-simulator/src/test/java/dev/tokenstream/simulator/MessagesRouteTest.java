package dev.tokenstream.simulator;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.errors.SseException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.Tool;
import dev.tokenstream.simulator.generation.TextGenerator;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

/** Streams from the simulator's Anthropic Messages endpoint through the official Anthropic Java SDK. */
@QuarkusTest
class MessagesRouteTest {

    @TestHTTPResource("/")
    URI root;

    private AnthropicClient client;

    @BeforeEach
    void setUp() {
        client = AnthropicOkHttpClient.builder().baseUrl(root.toString().replaceAll("/$", ""))
                .apiKey("not-needed").maxRetries(0).build();
    }

    @Test
    void shouldStreamTheSameTextAsTheOpenAiRouteWithCumulativeUsage() {
        Message message = accumulate(params("sim-fast", "Tell me about Kafka", 40).build());

        var expected = TextGenerator.generate("Tell me about Kafka", 0, 40);
        assertThat(message.content()).hasSize(1);
        assertThat(message.content().get(0).asText().text()).isEqualTo(expected.text());
        assertThat(message.stopReason().orElseThrow().asString()).isEqualTo("max_tokens");
        assertThat(message.usage().outputTokens()).isEqualTo(expected.tokens().size());
        assertThat(message.usage().inputTokens()).isEqualTo(TextGenerator.countTokens("Tell me about Kafka"));
    }

    @Test
    void shouldThinkFirstWhenThinkingIsEnabled() {
        Message message = accumulate(params("sim-fast", "What is 2 + 2?", 200).enabledThinking(1024).build());

        assertThat(message.content().get(0).isThinking()).isTrue();
        assertThat(message.content().get(0).asThinking().thinking()).isNotBlank();
        assertThat(message.content().get(0).asThinking().signature()).isNotBlank();
        assertThat(message.content().get(1).asText().text()).isNotBlank();
    }

    @Test
    void shouldStreamToolUseInputInFragments() {
        var params = params("sim-fast", "weather in Oslo", 200).addTool(Tool.builder().name("get_weather")
                .inputSchema(Tool.InputSchema.builder().properties(JsonValue.from(Map.of("query",
                        Map.of("type", "string")))).build()).build()).build();
        List<String> fragments = new ArrayList<>();
        var accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> response = client.messages().createStreaming(params)) {
            response.stream().forEach(event -> {
                accumulator.accumulate(event);
                event.contentBlockDelta().flatMap(d -> d.delta().inputJson())
                        .ifPresent(j -> fragments.add(j.partialJson()));
            });
        }

        Message message = accumulator.message();
        assertThat(message.stopReason().orElseThrow().asString()).isEqualTo("tool_use");
        var toolUse = message.content().get(0).asToolUse();
        assertThat(toolUse.name()).isEqualTo("get_weather");
        assertThat(toolUse._input().toString()).contains("weather in Oslo");
        assertThat(fragments.size()).isGreaterThan(2);
        assertThat(String.join("", fragments)).isEqualTo("{\"query\":\"weather in Oslo\"}");
    }

    @Test
    void shouldAnswerInjectedFaultsAsAnthropicDoes() {
        assertThatThrownBy(() -> accumulate(params("sim-fast?fault=rate-limited&retry-after=3", "hi", 10).build()))
                .isInstanceOf(RateLimitException.class)
                .satisfies(e -> assertThat(((RateLimitException) e).headers().values("retry-after"))
                        .containsExactly("3"));
        assertThatThrownBy(() -> accumulate(params("sim-fast?fault=overloaded", "hi", 10).build()))
                .isInstanceOf(AnthropicServiceException.class)
                .satisfies(e -> assertThat(((AnthropicServiceException) e).statusCode()).isEqualTo(529));
        assertThatThrownBy(() -> accumulate(params("sim-fast?fault=midstream-error&after=2", "hi", 10).build()))
                .isInstanceOf(SseException.class)
                .hasMessageContaining("overloaded_error");
    }

    @Test
    void shouldGoOnFromAPrefillSoThatBothMakeTheUndisturbedAnswer() {
        var whole = TextGenerator.generate("Tell me about Kafka", 0, 40);
        String prefill = String.join("", whole.tokens().subList(0, 12)).stripTrailing();
        String rest = whole.text().substring(prefill.length());

        Message message = accumulate(params("sim-fast", "Tell me about Kafka", 40 - 12)
                .addAssistantMessage(prefill).build());

        assertThat(message.content().get(0).asText().text()).isEqualTo(rest);
        assertThat(message.stopReason().orElseThrow().asString()).isEqualTo("max_tokens");
        assertThat(message.usage().inputTokens()).isEqualTo(TextGenerator.countTokens("Tell me about Kafka")
                + TextGenerator.countTokens(prefill));
        assertThatThrownBy(() -> accumulate(params("sim-fast", "Tell me about Kafka", 10)
                .addAssistantMessage(prefill + " ").build()))
                .isInstanceOf(AnthropicServiceException.class)
                .hasMessageContaining("final assistant content cannot end with trailing whitespace");
    }

    @Test
    void shouldRefuseARequestWithoutMaxTokens() {
        given().contentType("application/json").body("{\"model\":\"sim-fast\",\"messages\":[]}").post("/v1/messages")
                .then().statusCode(400).body("type", equalTo("error"))
                .body("error.type", equalTo("invalid_request_error"));
    }

    private Message accumulate(MessageCreateParams params) {
        var accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> response = client.messages().createStreaming(params)) {
            response.stream().forEach(accumulator::accumulate);
        }
        return accumulator.message();
    }

    private static MessageCreateParams.Builder params(String model, String prompt, long maxTokens) {
        return MessageCreateParams.builder().model(model).maxTokens(maxTokens).addUserMessage(prompt);
    }
}
