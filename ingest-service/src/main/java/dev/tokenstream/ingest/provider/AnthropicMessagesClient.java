package dev.tokenstream.ingest.provider;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.AnthropicClientImpl;
import com.anthropic.core.ClientOptions;
import com.anthropic.core.JsonValue;
import com.anthropic.core.Timeout;
import com.anthropic.core.http.Headers;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.SseException;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.MessageDeltaUsage;
import com.anthropic.models.messages.OutputTokensDetails;
import com.anthropic.models.messages.RawContentBlockDelta;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.anthropic.models.messages.ToolUseBlockParam;
import dev.tokenstream.events.ChatMessage;
import dev.tokenstream.events.GenerationParams;
import dev.tokenstream.events.StreamRequest;
import dev.tokenstream.events.ToolCall;
import dev.tokenstream.events.ToolDefinition;
import dev.tokenstream.events.Usage;
import dev.tokenstream.events.serde.Json;
import dev.tokenstream.ingest.config.IngestConfig;
import dev.tokenstream.ingest.messaging.Continuation;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Anthropic Messages streaming ({@code POST <base-url>/v1/messages}, {@code stream: true}) through the official
 * {@code com.anthropic:anthropic-java} SDK. Wire format: docs/provider-wire-formats.md section 3.
 * <ul>
 *   <li>{@code text_delta}: text; {@code thinking_delta}: reasoning, kept apart from the answer;</li>
 *   <li>a {@code tool_use} block: its {@code input_json_delta} fragments stream as tool-call fragments and are
 *   assembled into one JSON object at {@code content_block_stop};</li>
 *   <li>usage: input and cached tokens from {@code message_start}, output (and thinking) tokens from the last
 *   {@code message_delta}; the counts are cumulative, so the last value wins, never a sum;</li>
 *   <li>{@code ping} and unknown events: skipped by the SDK; an {@code error} event ({@code overloaded_error} and
 *   the others) makes it throw {@link SseException}: a failed stream with the provider's error type.</li>
 * </ul>
 */
final class AnthropicMessagesClient implements ProviderClient {

    /** Anthropic requires {@code max_tokens}; used when the request has none. */
    static final long DEFAULT_MAX_TOKENS = 1024;
    /** Anthropic's smallest thinking budget. */
    private static final int MIN_THINKING_BUDGET = 1024;

    private final AnthropicClient client;

    AnthropicMessagesClient(String apiKey, IngestConfig.Provider settings, UpstreamCallInterceptor interceptor) {
        Duration read = ProviderClient.readTimeoutBackstop(settings);
        this.client = new AnthropicClientImpl(ClientOptions.builder()
                .httpClient(new AnthropicHttpTransport(settings.connectTimeout(), read, interceptor))
                .baseUrl(settings.baseUrl())
                // The SDK's own builder sets its key through a backend Java cannot reach: the header it would send.
                .putHeader("x-api-key", apiKey)
                .maxRetries(0)
                .timeout(Timeout.builder().connect(settings.connectTimeout()).read(read)
                        .request(Duration.ofHours(6)).build())
                .build());
    }

    @Override
    public void stream(StreamRequest request, Continuation continuation, UpstreamSink sink) {
        var tools = new ToolCallAssembler();
        // Content block index -> tool call index, for tool_use blocks.
        Map<Long, Integer> toolBlocks = new HashMap<>();
        var usage = new long[] {-1, -1, -1, -1};
        UpstreamSink to = sink;
        String prefill = null;
        if (continuation != null) {
            // Anthropic refuses a prefill that ends in whitespace (400): it goes without, and the continuation's
            // first text loses that whitespace again if it starts with it, so the client does not get it twice.
            prefill = continuation.text().stripTrailing();
            to = new PrefillSink(sink, continuation.text().substring(prefill.length()));
        }
        try (StreamResponse<RawMessageStreamEvent> response = client.messages().createStreaming(params(request,
                prefill, continuation))) {
            Iterator<RawMessageStreamEvent> events = response.stream().iterator();
            while (!to.cancelled() && events.hasNext()) {
                read(events.next(), to, tools, toolBlocks, usage);
            }
        }
    }

    /** Drops the whitespace a prefill went without from the start of its continuation's text, once. */
    private static final class PrefillSink implements UpstreamSink {

        private final UpstreamSink sink;
        private String left;

        PrefillSink(UpstreamSink sink, String trailingWhitespace) {
            this.sink = sink;
            this.left = trailingWhitespace;
        }

        @Override
        public void text(String text, boolean isRefusal) {
            String rest = text;
            if (!left.isEmpty()) {
                if (rest.startsWith(left)) {
                    rest = rest.substring(left.length());
                    left = "";
                } else if (left.startsWith(rest)) {
                    left = left.substring(rest.length());
                    rest = "";
                } else {
                    left = "";
                }
            }
            if (rest.isEmpty()) {
                sink.event();
            } else {
                sink.text(rest, isRefusal);
            }
        }

        @Override
        public void event() {
            sink.event();
        }

        @Override
        public void reasoning(String text) {
            sink.reasoning(text);
        }

        @Override
        public void toolCall(ToolCall call) {
            sink.toolCall(call);
        }

        @Override
        public void usage(Usage usage) {
            sink.usage(usage);
        }

        @Override
        public void finish(String reason) {
            sink.finish(reason);
        }

        @Override
        public boolean cancelled() {
            return sink.cancelled();
        }
    }

    private static void read(RawMessageStreamEvent event, UpstreamSink sink, ToolCallAssembler tools,
                             Map<Long, Integer> toolBlocks, long[] usage) {
        if (event.isMessageStart()) {
            var start = event.asMessageStart().message().usage();
            usage[0] = start.inputTokens();
            usage[1] = start.outputTokens();
            usage[2] = start.cacheReadInputTokens().orElse(-1L);
            sink.usage(toUsage(usage));
            sink.event();
        } else if (event.isContentBlockStart()) {
            var start = event.asContentBlockStart();
            if (start.contentBlock().isToolUse()) {
                ToolUseBlock block = start.contentBlock().asToolUse();
                int index = toolBlocks.size();
                toolBlocks.put(start.index(), index);
                sink.toolCall(tools.fragment(index, block.id(), block.name(), ""));
            } else {
                sink.event();
            }
        } else if (event.isContentBlockDelta()) {
            var deltaEvent = event.asContentBlockDelta();
            RawContentBlockDelta delta = deltaEvent.delta();
            if (delta.isText()) {
                sink.text(delta.asText().text(), false);
            } else if (delta.isThinking()) {
                sink.reasoning(delta.asThinking().thinking());
            } else if (delta.isInputJson() && toolBlocks.containsKey(deltaEvent.index())) {
                String fragment = delta.asInputJson().partialJson();
                if (fragment.isEmpty()) {
                    sink.event();
                } else {
                    sink.toolCall(tools.fragment(toolBlocks.get(deltaEvent.index()), null, null, fragment));
                }
            } else {
                // signature_delta, citations_delta: nothing for the client
                sink.event();
            }
        } else if (event.isContentBlockStop()) {
            Integer toolIndex = toolBlocks.get(event.asContentBlockStop().index());
            var whole = toolIndex == null ? null : tools.complete(toolIndex);
            if (whole != null) {
                sink.toolCall(whole);
            } else {
                sink.event();
            }
        } else if (event.isMessageDelta()) {
            var delta = event.asMessageDelta();
            MessageDeltaUsage deltaUsage = delta.usage();
            usage[1] = deltaUsage.outputTokens();
            deltaUsage.inputTokens().ifPresent(input -> usage[0] = input);
            deltaUsage.cacheReadInputTokens().ifPresent(cached -> usage[2] = cached);
            deltaUsage.outputTokensDetails().map(OutputTokensDetails::thinkingTokens)
                    .ifPresent(thinking -> usage[3] = thinking);
            sink.usage(toUsage(usage));
            delta.delta().stopReason().ifPresent(reason -> sink.finish(reason.asString()));
        } else {
            sink.event();
        }
    }

    /** @param usage input, output, cached input and thinking tokens; -1 for not reported */
    private static Usage toUsage(long[] usage) {
        return new Usage(usage[0] < 0 ? null : usage[0], usage[1] < 0 ? null : usage[1],
                usage[2] < 0 ? null : usage[2], usage[3] < 0 ? null : usage[3]);
    }

    /**
     * @param prefill      the answer so far, as the final assistant message to go on from; null for a new answer
     * @param continuation what {@code max_tokens} is left after it, or null
     */
    private static MessageCreateParams params(StreamRequest request, String prefill, Continuation continuation) {
        var params = request.params();
        // Thinking needs a budget of at least 1,024 tokens below max_tokens; an effort's budget fits itself in.
        Integer budget = params.reasoningBudgetTokens();
        long maxTokens = params.maxTokens() == null ? DEFAULT_MAX_TOKENS : continuation == null ? params.maxTokens()
                : continuation.maxTokens(params.maxTokens());
        Integer wanted = GenerationParams.reasoningBudgetFor(params.reasoningEffort());
        if (budget == null && wanted != null) {
            if (params.maxTokens() == null) {
                budget = wanted;
                maxTokens = wanted + DEFAULT_MAX_TOKENS;
            } else if (params.maxTokens() > MIN_THINKING_BUDGET) {
                budget = (int) Math.min(wanted, params.maxTokens() - 1L);
            }
        }
        var builder = MessageCreateParams.builder()
                .model(request.model())
                .maxTokens(maxTokens)
                .putAdditionalHeader(UpstreamCallInterceptor.STREAM_HEADER, request.streamId());
        StringBuilder system = new StringBuilder();
        // Anthropic takes a turn's tool results as one user message of tool_result blocks.
        List<ContentBlockParam> results = new ArrayList<>();
        for (ChatMessage message : request.messages()) {
            if (!message.role().equals("tool") && !results.isEmpty()) {
                builder.addUserMessageOfContentBlockParams(List.copyOf(results));
                results.clear();
            }
            switch (message.role()) {
                case "system" -> system.append(system.isEmpty() ? "" : "\n\n").append(message.content());
                case "assistant" -> {
                    if (message.calls().isEmpty()) {
                        builder.addAssistantMessage(message.content());
                    } else {
                        builder.addAssistantMessageOfContentBlockParams(toolUses(message));
                    }
                }
                case "tool" -> results.add(ContentBlockParam.ofToolResult(ToolResultBlockParam.builder()
                        .toolUseId(message.toolCallId()).content(message.content()).build()));
                default -> builder.addUserMessage(message.content());
            }
        }
        if (!results.isEmpty()) {
            builder.addUserMessageOfContentBlockParams(List.copyOf(results));
        }
        if (prefill != null) {
            builder.addAssistantMessage(prefill);
        }
        if (!system.isEmpty()) {
            builder.system(system.toString());
        }
        if (params.temperature() != null) {
            builder.putAdditionalBodyProperty("temperature", JsonValue.from(params.temperature()));
        }
        if (budget != null) {
            builder.enabledThinking(budget);
        }
        for (ToolDefinition tool : params.tools()) {
            builder.addTool(toTool(tool));
        }
        return builder.build();
    }

    /** @return an assistant message's text (when any) and its tool calls as tool_use blocks */
    private static List<ContentBlockParam> toolUses(ChatMessage message) {
        List<ContentBlockParam> blocks = new ArrayList<>();
        if (message.content() != null && !message.content().isEmpty()) {
            blocks.add(ContentBlockParam.ofText(message.content()));
        }
        for (ToolCall call : message.calls()) {
            var input = ToolUseBlockParam.Input.builder();
            arguments(call.arguments()).forEach((name, value) -> input.putAdditionalProperty(name,
                    JsonValue.from(value)));
            blocks.add(ContentBlockParam.ofToolUse(ToolUseBlockParam.builder().id(call.id()).name(call.name())
                    .input(input.build()).build()));
        }
        return blocks;
    }

    /** @return a call's JSON arguments as an object; empty when they are not a JSON object */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> arguments(String json) {
        try {
            Object parsed = json == null ? null : Json.MAPPER.readValue(json, Object.class);
            return parsed instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
        } catch (IOException e) {
            return Map.of();
        }
    }

    @SuppressWarnings("unchecked")
    private static Tool toTool(ToolDefinition tool) {
        Map<String, Object> parameters = tool.parameters() == null ? Map.of() : tool.parameters();
        var schema = Tool.InputSchema.builder();
        if (parameters.get("properties") instanceof Map<?, ?> properties) {
            var props = Tool.InputSchema.Properties.builder();
            ((Map<String, Object>) properties).forEach((k, v) -> props.putAdditionalProperty(k, JsonValue.from(v)));
            schema.properties(props.build());
        }
        if (parameters.get("required") instanceof List<?> required) {
            schema.required(required.stream().map(String::valueOf).toList());
        }
        parameters.forEach((key, value) -> {
            if (!key.equals("type") && !key.equals("properties") && !key.equals("required")) {
                schema.putAdditionalProperty(key, JsonValue.from(value));
            }
        });
        var builder = Tool.builder().name(tool.name()).inputSchema(schema.build());
        if (tool.description() != null) {
            builder.description(tool.description());
        }
        return builder.build();
    }

    @Override
    public UpstreamFailure classify(RuntimeException error) {
        if (error instanceof SseException sse) {
            String type = sse.errorType().or(sse::type).map(t -> t.asString()).orElse(null);
            return UpstreamFailure.reported(FailureReason.ofProviderType(type),
                    "error event in the stream: " + sse.apiMessage().orElse(sse.getMessage()), type, null);
        }
        if (error instanceof AnthropicServiceException service) {
            Headers headers = service.headers();
            String type = service.errorType().or(service::type).map(t -> t.asString()).orElse(null);
            FailureReason reason = FailureReason.ofStatus(service.statusCode());
            return UpstreamFailure.reported(reason, "HTTP " + service.statusCode() + ": "
                    + service.apiMessage().orElse(service.getMessage()), type,
                    UpstreamFailure.retryAfter(headers.values("retry-after-ms"), headers.values("retry-after")));
        }
        return UpstreamFailure.reported(FailureReason.ofTransport(error), String.valueOf(error.getMessage()), null, null);
    }

    @Override
    public void close() {
        client.close();
    }
}
