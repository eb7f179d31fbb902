package dev.tokenstream.simulator;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.InternalServerException;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIIoException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.SseException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.tokenstream.simulator.generation.TextGenerator;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/** Streams from the simulator through the official OpenAI Java SDK, as ingest-service does. */
@QuarkusTest
class ChatCompletionsRouteTest {

    @TestHTTPResource("/v1")
    URI v1;

    private OpenAIClient client;

    @BeforeEach
    void setUp() {
        client = OpenAIOkHttpClient.builder().baseUrl(v1.toString()).apiKey("not-needed").maxRetries(0).build();
    }

    @Test
    void shouldStreamDeterministicTokensWithFinishReasonAndUsage() {
        List<ChatCompletionChunk> chunks = stream("sim-fast", "Tell me about Kafka", 40, 7);

        var expected = TextGenerator.generate("Tell me about Kafka", 7, 40);
        StringBuilder text = new StringBuilder();
        List<String> deltas = new ArrayList<>();
        String finishReason = null;
        for (ChatCompletionChunk chunk : chunks) {
            for (var choice : chunk.choices()) {
                choice.delta().content().filter(c -> !c.isEmpty()).ifPresent(c -> {
                    deltas.add(c);
                    text.append(c);
                });
                if (choice.finishReason().isPresent()) {
                    finishReason = choice.finishReason().get().asString();
                }
            }
        }
        assertThat(deltas).isEqualTo(expected.tokens());
        assertThat(text.toString()).isEqualTo(expected.text());
        assertThat(finishReason).isEqualTo(expected.finishReason());
        var usage = chunks.get(chunks.size() - 1).usage().orElseThrow();
        assertThat(chunks.get(chunks.size() - 1).choices()).isEmpty();
        assertThat(usage.completionTokens()).isEqualTo(expected.tokens().size());
        assertThat(usage.promptTokens()).isEqualTo(TextGenerator.countTokens("Tell me about Kafka"));
        assertThat(chunks.get(0).choices().get(0).delta().role()).isPresent();
    }

    @Test
    void shouldTellWhenEachContentFrameWasWrittenForTheBenchmark() {
        String prompt = "timeline " + UUID.randomUUID();
        long before = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
        long contentChunks = stream("sim-bench", prompt, 10, 1).stream()
                .filter(c -> c.choices().stream().anyMatch(ch -> ch.delta().content().filter(t -> !t.isEmpty())
                        .isPresent())).count();

        Response timeline = given()
                .queryParam("prompt", prompt).get(v1.resolve("/simulator/timeline"));
        assertThat(timeline.statusCode()).isEqualTo(200);
        List<Long> written = timeline.jsonPath().getList("contentWrittenAtMicros", Long.class);
        assertThat(written).hasSize((int) contentChunks).isSorted().allSatisfy(t -> assertThat(t).isGreaterThan(before));
        // sim-bench: 20 ms between tokens, no jitter
        assertThat(written.get(written.size() - 1) - written.get(0)).isGreaterThanOrEqualTo((written.size() - 1) * 19_000L);
        assertThat(given().queryParam("prompt", "never asked")
                .get(v1.resolve("/simulator/timeline")).statusCode()).isEqualTo(404);
    }

    @Test
    void shouldCutTheAnswerAtMaxTokensWithFinishReasonLength() {
        var completion = TextGenerator.generate("a long answer please", 1, 5);
        assertThat(completion.tokens()).hasSize(5);
        assertThat(completion.finishReason()).isEqualTo("length");
        assertThat(TextGenerator.countTokens(completion.text())).isBetween(4, 6);
    }

    @Test
    void shouldContinueAFinalAssistantMessageAsVllmDoesWithContinueFinalMessage() {
        String prompt = "Tell a long story about offsets";
        var whole = TextGenerator.generate(prompt, 5, 60);
        String partial = String.join("", whole.tokens().subList(0, 25));
        var params = ChatCompletionCreateParams.builder().model("sim-fast").addUserMessage(prompt)
                .addAssistantMessage(partial).maxCompletionTokens(60 - 25).seed(5)
                .putAdditionalBodyProperty("continue_final_message", JsonValue.from(true))
                .putAdditionalBodyProperty("add_generation_prompt", JsonValue.from(false))
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> response = client.chat().completions().createStreaming(params)) {
            chunks = response.stream().toList();
        }

        var text = new StringBuilder();
        chunks.forEach(chunk -> chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append)));
        assertThat(partial + text).as("the partial answer and its continuation").isEqualTo(whole.text());
        var usage = chunks.get(chunks.size() - 1).usage().orElseThrow();
        assertThat(usage.completionTokens()).isEqualTo(35);
        assertThat(usage.promptTokens()).isEqualTo(TextGenerator.countTokens(prompt) + TextGenerator.countTokens(partial));
        // Without the flag the assistant message is history, and the answer starts over.
        var history = ChatCompletionCreateParams.builder().model("sim-fast").addUserMessage(prompt)
                .addAssistantMessage(partial).maxCompletionTokens(35).seed(5).build();
        var again = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> response = client.chat().completions().createStreaming(history)) {
            response.stream().forEach(chunk -> chunk.choices().forEach(choice -> choice.delta().content()
                    .ifPresent(again::append)));
        }
        assertThat(again.toString()).isEqualTo(TextGenerator.generate(prompt, 5, 35).text());
    }

    @Test
    void shouldAnswerAnUnknownModelWith404ModelNotFound() {
        assertThatThrownBy(() -> stream("gpt-nonexistent", "hi", 5, 1))
                .isInstanceOf(NotFoundException.class)
                .hasMessageContaining("does not exist");
    }

    @Test
    void shouldReplayARecordedTranscript() {
        StringBuilder text = new StringBuilder();
        for (ChatCompletionChunk chunk : stream("transcript:openai-chat-text", "ignored", 5, 1)) {
            chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append));
        }
        assertThat(text.toString()).isEqualTo("I'm unable to provide real-time weather updates. To get the current"
                + " weather in San Francisco, I recommend checking a reliable weather website or a weather app.");
    }

    @Test
    void shouldCountAStreamClosedByTheClient() {
        int closedBefore = given().get("/simulator/stats").then().extract().path("streamsClosedByClient");
        try (StreamResponse<ChatCompletionChunk> response = client.chat().completions().createStreaming(
                params("sim-slow", "a long story", 200, 1))) {
            Iterator<ChatCompletionChunk> it = response.stream().iterator();
            it.next();
            assertThat((Integer) given().get("/simulator/stats").then().extract().path("openStreams")).isPositive();
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            int closed = given().get("/simulator/stats").then().extract().path("streamsClosedByClient");
            assertThat(closed).isEqualTo(closedBefore + 1);
        });
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                (Integer) given().get("/simulator/stats").then().extract().path("openStreams")).isZero());
    }

    @Test
    void shouldThinkFirstWhenAskedForAReasoningEffort() {
        String body = "{\"model\":\"sim-fast\",\"stream\":true,\"max_tokens\":30,\"reasoning_effort\":\"%s\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Why partitions?\"}]}";

        String thinking = given().contentType("application/json").body(body.formatted("low"))
                .post("/v1/chat/completions").then().statusCode(200).extract().asString();
        String plain = given().contentType("application/json").body(body.formatted("minimal"))
                .post("/v1/chat/completions").then().statusCode(200).extract().asString();

        assertThat(thinking).contains("\"reasoning_content\"");
        assertThat(thinking.indexOf("\"reasoning_content\"")).as("reasoning before the answer")
                .isLessThan(thinking.indexOf("\"content\":\"", thinking.indexOf("\"reasoning_content\"")));
        assertThat(plain).doesNotContain("reasoning_content");
    }

    @Test
    void shouldAnswerABadBodyWith400InOpenAiErrorFormat() {
        given().contentType("application/json").body("{\"model\":3}").post("/v1/chat/completions")
                .then().statusCode(400)
                .body("error.type", equalTo("invalid_request_error"));
    }

    @Test
    void shouldStreamParallelToolCallsInFragmentsWhenToolsAreOffered() {
        var params = params("sim-fast", "weather in Paris", 50, 1).toBuilder()
                .addTool(ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("get_weather")
                        .build()).build())
                .addTool(ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("get_time")
                        .build()).build())
                .build();
        var accumulator = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> response = client.chat().completions().createStreaming(params)) {
            response.stream().forEach(accumulator::accumulate);
        }

        var choice = accumulator.chatCompletion().choices().get(0);
        assertThat(choice.finishReason().asString()).isEqualTo("tool_calls");
        var calls = choice.message().toolCalls().orElseThrow();
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0).asFunction().function().name()).isEqualTo("get_weather");
        assertThat(calls.get(1).asFunction().function().arguments()).isEqualTo("{\"query\":\"weather in Paris\"}");
    }

    @Test
    void shouldAnswerAnInjectedRateLimitWith429AndRetryAfter() {
        given().contentType("application/json").header("x-simulator-fault", "fault=rate-limited&retry-after=7")
                .body("{\"model\":\"sim-fast\",\"messages\":[],\"stream\":true}").post("/v1/chat/completions")
                .then().statusCode(429).header("retry-after", "7").body("error.code", equalTo("rate_limit_exceeded"));
        assertThatThrownBy(() -> stream("sim-fast?fault=overloaded", "hi", 5, 1))
                .isInstanceOf(OpenAIServiceException.class)
                .satisfies(e -> assertThat(((OpenAIServiceException) e).statusCode()).isEqualTo(529));
        assertThatThrownBy(() -> stream("sim-fast?fault=server-error", "hi", 5, 1))
                .isInstanceOf(InternalServerException.class);
    }

    @Test
    void shouldSendAnErrorLineMidStreamThatTheSdkRaises() {
        List<String> seen = new ArrayList<>();
        assertThatThrownBy(() -> {
            try (StreamResponse<ChatCompletionChunk> response = client.chat().completions().createStreaming(
                    params("sim-fast?fault=midstream-error&after=3", "hi there", 50, 1))) {
                response.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content()
                        .filter(t -> !t.isEmpty()).ifPresent(seen::add)));
            }
        }).isInstanceOf(SseException.class).hasMessageContaining("simulated");
        assertThat(seen).hasSize(3);
    }

    @Test
    void shouldDropTheConnectionMidStream() {
        assertThatThrownBy(() -> stream("sim-fast?fault=drop&after=2", "hi", 50, 1))
                .isInstanceOf(OpenAIIoException.class);
    }

    @Test
    void shouldInjectAFaultOnlyTheFirstTimesThenAnswer() {
        String model = "sim-fast?fault=server-error&times=1";
        assertThatThrownBy(() -> stream(model, "times test", 5, 1)).isInstanceOf(InternalServerException.class);
        assertThat(stream(model, "times test", 5, 1)).isNotEmpty();
    }

    @Test
    void shouldDelayTheFirstTokenWhenAsked() {
        long start = System.nanoTime();
        try (StreamResponse<ChatCompletionChunk> response = client.chat().completions().createStreaming(
                params("sim-fast?fault=slow-first-token&millis=600", "hi", 3, 1))) {
            response.stream().filter(c -> c.choices().stream().anyMatch(ch -> ch.delta().content()
                    .filter(t -> !t.isEmpty()).isPresent())).findFirst().orElseThrow();
        }
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(500);
    }

    private List<ChatCompletionChunk> stream(String model, String prompt, int maxTokens, long seed) {
        try (StreamResponse<ChatCompletionChunk> response =
                     client.chat().completions().createStreaming(params(model, prompt, maxTokens, seed))) {
            return response.stream().toList();
        }
    }

    private static ChatCompletionCreateParams params(String model, String prompt, int maxTokens, long seed) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage(prompt)
                .maxCompletionTokens(maxTokens).seed(seed)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
    }
}
