package dev.tokenstream.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstream.events.ChatMessage;
import dev.tokenstream.events.GenerationParams;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.TokenEventKind;
import dev.tokenstream.events.ToolCall;
import dev.tokenstream.events.Usage;
import dev.tokenstream.testsupport.KafkaTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.LongStream;

import static dev.tokenstream.ingest.IngestStreams.eventsUntilEnd;
import static dev.tokenstream.ingest.IngestStreams.last;
import static dev.tokenstream.ingest.IngestStreams.request;
import static dev.tokenstream.ingest.IngestStreams.text;
import static dev.tokenstream.ingest.IngestStreams.tokens;
import static dev.tokenstream.ingest.IngestStreams.toolCalls;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every documented shape of both streaming protocols, replayed byte for byte by a real HTTP server, read through
 * the official OpenAI and Anthropic SDKs, and published to a real broker. Transcripts: test-support's
 * {@code transcripts/} (see its SOURCES.md).
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RecordedProviderResource.class)
class ProviderProtocolsTest {

    @Test
    void shouldAssembleAnOpenAiToolCallFromItsFragmentsAndSendUsageAlwaysOn() {
        List<TokenEvent> events = eventsUntilEnd(request("recorded", "openai-chat-toolcall"));

        assertThat(events).extracting(TokenEvent::seq)
                .containsExactlyElementsOf(LongStream.range(0, events.size()).boxed().toList());
        List<ToolCall> fragments = events.stream().filter(e -> e.kind() == TokenEventKind.TOOL_CALL_DELTA)
                .map(TokenEvent::toolCall).toList();
        assertThat(fragments.get(0)).isEqualTo(ToolCall.fragment(0, "call_ts_weather", "get_weather", ""));
        assertThat(fragments).extracting(ToolCall::arguments).containsExactly("", "{\"loc", "ation\": \"Pa", "ris\"}");
        assertThat(toolCalls(events)).containsExactly(
                ToolCall.whole(0, "call_ts_weather", "get_weather", "{\"location\":\"Paris\"}"));
        assertThat(last(events).kind()).isEqualTo(TokenEventKind.COMPLETED);
        assertThat(last(events).finishReason()).isEqualTo("tool_calls");
        assertThat(last(events).usage()).isEqualTo(new Usage(61L, 15L, 32L, 0L));
        assertThat(RecordedProviderResource.server.lastRequest("openai-chat-toolcall")
                .path("stream_options").path("include_usage").asBoolean()).isTrue();
    }

    @Test
    void shouldSendTheReasoningEffortAsOpenAiNamesItAndAsAThinkingBudgetToAnthropic() {
        eventsUntilEnd(request("recorded", "openai-chat-text", effort(null, "high")));
        assertThat(RecordedProviderResource.server.lastRequest("openai-chat-text").path("reasoning_effort").asText())
                .isEqualTo("high");

        eventsUntilEnd(request("recorded-anthropic", "anthropic-text", effort(null, "medium")));
        JsonNode anthropic = RecordedProviderResource.server.lastRequest("anthropic-text");
        assertThat(anthropic.path("thinking").path("budget_tokens").asInt()).isEqualTo(4096);
        assertThat(anthropic.path("max_tokens").asInt()).as("room for the answer past the budget").isEqualTo(5120);

        eventsUntilEnd(request("recorded-anthropic", "anthropic-text", effort(2000, "high")));
        anthropic = RecordedProviderResource.server.lastRequest("anthropic-text");
        assertThat(anthropic.path("thinking").path("budget_tokens").asInt()).as("below max_tokens").isEqualTo(1999);
        assertThat(anthropic.path("max_tokens").asInt()).isEqualTo(2000);

        eventsUntilEnd(request("recorded-anthropic", "anthropic-text", effort(500, "low")));
        assertThat(RecordedProviderResource.server.lastRequest("anthropic-text").has("thinking"))
                .as("no budget of 1,024 fits under 500 tokens").isFalse();
    }

    @Test
    void shouldSendAToolCallAndItsResultBackInEachProvidersShape() {
        List<ChatMessage> conversation = List.of(ChatMessage.user("What's the weather in Oslo?"),
                ChatMessage.calls("", List.of(ToolCall.whole(0, "call_7", "get_weather", "{\"city\":\"Oslo\"}"),
                        ToolCall.whole(1, "call_8", "get_time", "{}"))),
                ChatMessage.toolResult("call_7", "12 degrees, rain"), ChatMessage.toolResult("call_8", "14:05"));

        eventsUntilEnd(request("recorded", "openai-chat-text", conversation, GenerationParams.DEFAULTS));
        JsonNode openai = RecordedProviderResource.server.lastRequest("openai-chat-text").path("messages");
        assertThat(openai).hasSize(4);
        assertThat(openai.get(1).path("role").asText()).isEqualTo("assistant");
        assertThat(openai.get(1).path("tool_calls").get(0).path("id").asText()).isEqualTo("call_7");
        assertThat(openai.get(1).path("tool_calls").get(0).path("function").path("arguments").asText())
                .isEqualTo("{\"city\":\"Oslo\"}");
        assertThat(openai.get(2).path("role").asText()).isEqualTo("tool");
        assertThat(openai.get(2).path("tool_call_id").asText()).isEqualTo("call_7");
        assertThat(openai.get(2).path("content").asText()).isEqualTo("12 degrees, rain");

        eventsUntilEnd(request("recorded-anthropic", "anthropic-text", conversation, GenerationParams.DEFAULTS));
        JsonNode anthropic = RecordedProviderResource.server.lastRequest("anthropic-text").path("messages");
        assertThat(anthropic).as("both results in one user message").hasSize(3);
        JsonNode use = anthropic.get(1).path("content").get(0);
        assertThat(use.path("type").asText()).isEqualTo("tool_use");
        assertThat(use.path("id").asText()).isEqualTo("call_7");
        assertThat(use.path("input").path("city").asText()).isEqualTo("Oslo");
        JsonNode results = anthropic.get(2).path("content");
        assertThat(anthropic.get(2).path("role").asText()).isEqualTo("user");
        assertThat(results).extracting(r -> r.path("type").asText() + ":" + r.path("tool_use_id").asText())
                .containsExactly("tool_result:call_7", "tool_result:call_8");
    }

    private static GenerationParams effort(Integer maxTokens, String effort) {
        return new GenerationParams(maxTokens, null, null, null, null, effort);
    }

    @Test
    void shouldKeepParallelOpenAiToolCallsApartByIndex() {
        List<TokenEvent> events = eventsUntilEnd(request("recorded", "openai-chat-parallel-toolcalls"));

        assertThat(toolCalls(events)).containsExactly(
                ToolCall.whole(0, "call_ts_paris", "get_weather", "{\"location\":\"Paris\"}"),
                ToolCall.whole(1, "call_ts_tokyo", "get_weather", "{\"location\":\"Tokyo\"}"));
        assertThat(last(events).usage()).isEqualTo(new Usage(70L, 40L, null, null));
    }

    @Test
    void shouldTolerateToolCallFragmentsWithoutAnIndex() {
        List<TokenEvent> events = eventsUntilEnd(request("recorded", "openai-chat-toolcall-no-index"));

        assertThat(toolCalls(events)).containsExactly(
                ToolCall.whole(0, "call_ts_a", "lookup", "{\"id\":1}"),
                ToolCall.whole(1, "call_ts_b", "lookup", "{\"id\":2}"));
        assertThat(last(events).kind()).isEqualTo(TokenEventKind.COMPLETED);
    }

    @Test
    void shouldStreamARefusalAsTextAndEndWithFinishReasonRefusal() {
        List<TokenEvent> events = eventsUntilEnd(request("recorded", "openai-chat-refusal"));

        assertThat(text(events, TokenEventKind.TOKEN)).isEqualTo("I'm sorry, I can't help with that.");
        assertThat(last(events).finishReason()).isEqualTo("refusal");
        assertThat(last(events).usage()).isEqualTo(new Usage(20L, 9L, null, null));
    }

    @Test
    void shouldFailOnAnOpenAiErrorLineMidStreamWithTheProvidersCodeAndNoRetry() {
        int before = RecordedProviderResource.server.requests();
        List<TokenEvent> events = eventsUntilEnd(request("recorded", "openai-chat-error-midstream"));

        assertThat(text(events, TokenEventKind.TOKEN)).isEqualTo("Kafka keeps");
        TokenEvent failed = last(events);
        assertThat(failed.kind()).isEqualTo(TokenEventKind.FAILED);
        assertThat(failed.error().code()).isEqualTo("upstream_error");
        assertThat(failed.error().providerCode()).isEqualTo("server_error");
        assertThat(failed.error().retryable()).isTrue();
        assertThat(failed.error().message()).as("the provider's words stay in the log")
                .isEqualTo("the provider failed, or the connection to it did")
                .doesNotContain("The server had an error processing your request.");
        assertThat(RecordedProviderResource.server.requests() - before).as("tokens went out: no retry").isEqualTo(1);
    }

    @Test
    void shouldReadOllamasDeltaReasoningAsReasoning() {
        List<TokenEvent> events = eventsUntilEnd(request("recorded", "ollama-v1-reasoning"));

        assertThat(text(events, TokenEventKind.REASONING)).isEqualTo("The user greets me.");
        assertThat(text(events, TokenEventKind.TOKEN)).isEqualTo("Hello there!");
        assertThat(events.indexOf(events.stream().filter(e -> e.kind() == TokenEventKind.REASONING).findFirst()
                .orElseThrow())).isLessThan(events.indexOf(events.stream()
                .filter(e -> e.kind() == TokenEventKind.TOKEN).findFirst().orElseThrow()));
    }

    @Test
    void shouldStreamAnthropicTextIgnoringPingAndUnknownEventsWithCumulativeUsage() {
        List<TokenEvent> events = eventsUntilEnd(request("recorded-anthropic", "anthropic-text"));

        assertThat(text(events, TokenEventKind.TOKEN)).isEqualTo("Partitions keep order per key.");
        assertThat(tokens(events)).hasSize(3);
        assertThat(last(events).kind()).isEqualTo(TokenEventKind.COMPLETED);
        assertThat(last(events).finishReason()).isEqualTo("end_turn");
        // output_tokens 5 then 7 in two message_delta events: the last value, not 12.
        assertThat(last(events).usage()).isEqualTo(new Usage(25L, 7L, 12L, null));
        assertThat(RecordedProviderResource.server.lastRequest("anthropic-text").path("max_tokens").asInt())
                .isEqualTo(1024);
    }

    @Test
    void shouldKeepAnthropicThinkingApartFromTheAnswer() {
        List<TokenEvent> events = eventsUntilEnd(request("recorded-anthropic", "anthropic-thinking"));

        assertThat(text(events, TokenEventKind.REASONING)).isEqualTo("Two plus two is four.");
        assertThat(text(events, TokenEventKind.TOKEN)).isEqualTo("The answer is 4.");
        assertThat(last(events).usage()).isEqualTo(new Usage(40L, 30L, null, 22L));
    }

    @Test
    void shouldAssembleAnthropicToolUseInputAtBlockStop() {
        List<TokenEvent> events = eventsUntilEnd(request("recorded-anthropic", "anthropic-tooluse"));

        assertThat(text(events, TokenEventKind.TOKEN)).isEqualTo("Checking the weather.");
        assertThat(toolCalls(events)).containsExactly(
                ToolCall.whole(0, "toolu_ts_paris", "get_weather", "{\"location\":\"Paris\"}"),
                ToolCall.whole(1, "toolu_ts_tokyo", "get_weather", "{\"location\":\"Tokyo\"}"));
        // The whole call follows its last fragment, before the next block starts.
        int paris = events.indexOf(events.stream().filter(e -> e.kind() == TokenEventKind.TOOL_CALL).findFirst()
                .orElseThrow());
        assertThat(events.get(paris - 1).toolCall().arguments()).isEqualTo("aris\"}");
        assertThat(last(events).finishReason()).isEqualTo("tool_use");
        assertThat(last(events).usage()).isEqualTo(new Usage(380L, 89L, null, null));
    }

    @Test
    void shouldFailOnAnAnthropicErrorEventAsOverloaded() {
        List<TokenEvent> events = eventsUntilEnd(request("recorded-anthropic", "anthropic-error-overloaded"));

        assertThat(text(events, TokenEventKind.TOKEN)).isEqualTo("Hello there");
        TokenEvent failed = last(events);
        assertThat(failed.kind()).isEqualTo(TokenEventKind.FAILED);
        assertThat(failed.error().code()).isEqualTo("overloaded");
        assertThat(failed.error().providerCode()).isEqualTo("overloaded_error");
        assertThat(failed.error().retryable()).isTrue();
        assertThat(failed.usage()).isEqualTo(new Usage(11L, 1L, null, null));
    }
}
