package dev.tokenstream.ingest.provider;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.Timeout;
import com.openai.core.http.Headers;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.SseException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.ReasoningEffort;
import com.openai.models.chat.completions.ChatCompletionAssistantMessageParam;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.completions.CompletionUsage;
import dev.tokenstream.events.ChatMessage;
import dev.tokenstream.events.StreamRequest;
import dev.tokenstream.events.ToolCall;
import dev.tokenstream.events.ToolDefinition;
import dev.tokenstream.events.Usage;
import dev.tokenstream.ingest.config.IngestConfig;
import dev.tokenstream.ingest.messaging.Continuation;

import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * OpenAI Chat Completions streaming ({@code POST <base-url>/chat/completions}, {@code stream: true}) through the
 * official {@code com.openai:openai-java} SDK, for OpenAI and every OpenAI-compatible server. Wire format:
 * docs/provider-wire-formats.md sections 1 and 4.
 * <ul>
 *   <li>{@code delta.content}: text; {@code delta.refusal}: text marked as a refusal;</li>
 *   <li>{@code delta.reasoning} (Ollama) and {@code delta.reasoning_content} (vLLM, DeepSeek): reasoning;</li>
 *   <li>{@code delta.tool_calls[]}: fragments assembled per {@code index} (a missing index continues the last
 *   call), each call made whole when {@code finish_reason} arrives;</li>
 *   <li>{@code stream_options.include_usage} is always on: the usage chunk ({@code choices:[]}) gives input,
 *   output, cached and reasoning tokens;</li>
 *   <li>a {@code data: {"error": ...}} line makes the SDK throw {@link SseException}: a failed stream with the
 *   provider's type or code;</li>
 *   <li>a continuation ends the conversation with the answer so far as an assistant message, with vLLM's
 *   {@code continue_final_message: true} and {@code add_generation_prompt: false}; a server without them answers
 *   afresh, which is why {@code after-instance-loss} is {@code fail} for this API unless set.</li>
 * </ul>
 */
final class OpenAiChatClient implements ProviderClient {

    private static final String[] REASONING_FIELDS = {"reasoning", "reasoning_content"};

    private final OpenAIClient client;

    OpenAiChatClient(String apiKey, IngestConfig.Provider settings, UpstreamCallInterceptor interceptor) {
        this.client = OpenAIOkHttpClient.builder()
                .baseUrl(settings.baseUrl())
                .apiKey(apiKey)
                // Retries are ours (StreamWorker): only before the first token, honouring Retry-After.
                .maxRetries(0)
                .addInterceptor(interceptor)
                .timeout(Timeout.builder()
                        .connect(settings.connectTimeout())
                        // The watchdog enforces the first-token and idle timeouts; this is only a backstop.
                        .read(ProviderClient.readTimeoutBackstop(settings))
                        .request(Duration.ofHours(6))
                        .build())
                .build();
    }

    @Override
    public void stream(StreamRequest request, Continuation continuation, UpstreamSink sink) {
        var tools = new ToolCallAssembler();
        try (StreamResponse<ChatCompletionChunk> response = client.chat().completions().createStreaming(
                params(request, continuation))) {
            Iterator<ChatCompletionChunk> chunks = response.stream().iterator();
            while (!sink.cancelled() && chunks.hasNext()) {
                read(chunks.next(), sink, tools);
            }
        }
        if (!sink.cancelled()) {
            tools.completeAll().forEach(sink::toolCall);
        }
    }

    private static void read(ChatCompletionChunk chunk, UpstreamSink sink, ToolCallAssembler tools) {
        boolean content = false;
        for (ChatCompletionChunk.Choice choice : chunk.choices()) {
            ChatCompletionChunk.Choice.Delta delta = choice.delta();
            for (String field : REASONING_FIELDS) {
                JsonValue reasoning = delta._additionalProperties().get(field);
                Optional<String> text = reasoning == null ? Optional.empty() : reasoning.asString();
                if (text.isPresent() && !text.get().isEmpty()) {
                    sink.reasoning(text.get());
                    content = true;
                }
            }
            Optional<String> text = delta.content();
            if (text.isPresent() && !text.get().isEmpty()) {
                sink.text(text.get(), false);
                content = true;
            }
            Optional<String> refusal = delta.refusal();
            if (refusal.isPresent() && !refusal.get().isEmpty()) {
                sink.text(refusal.get(), true);
                content = true;
            }
            for (ChatCompletionChunk.Choice.Delta.ToolCall call : delta.toolCalls().orElse(List.of())) {
                Integer index = call._index().asKnown().map(Long::intValue).orElse(null);
                sink.toolCall(tools.fragment(index, call.id().orElse(null),
                        call.function().flatMap(ChatCompletionChunk.Choice.Delta.ToolCall.Function::name).orElse(null),
                        call.function().flatMap(ChatCompletionChunk.Choice.Delta.ToolCall.Function::arguments)
                                .orElse(null)));
                content = true;
            }
            if (choice.finishReason().isPresent()) {
                tools.completeAll().forEach(sink::toolCall);
                sink.finish(choice.finishReason().get().asString());
            }
        }
        if (chunk.usage().isPresent()) {
            sink.usage(toUsage(chunk.usage().get()));
        }
        if (!content) {
            sink.event();
        }
    }

    /** @return an assistant message: its text, and its tool calls as function calls */
    private static ChatCompletionAssistantMessageParam assistant(ChatMessage message) {
        var assistant = ChatCompletionAssistantMessageParam.builder();
        if (message.content() != null && !(message.content().isEmpty() && !message.calls().isEmpty())) {
            assistant.content(message.content());
        }
        for (ToolCall call : message.calls()) {
            assistant.addToolCall(ChatCompletionMessageFunctionToolCall.builder().id(call.id())
                    .function(ChatCompletionMessageFunctionToolCall.Function.builder().name(call.name())
                            .arguments(call.arguments()).build()).build());
        }
        return assistant.build();
    }

    private static ChatCompletionCreateParams params(StreamRequest request, Continuation continuation) {
        var builder = ChatCompletionCreateParams.builder()
                .model(request.model())
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                .putAdditionalHeader(UpstreamCallInterceptor.STREAM_HEADER, request.streamId());
        for (ChatMessage message : request.messages()) {
            switch (message.role()) {
                case "system" -> builder.addSystemMessage(message.content());
                case "assistant" -> builder.addMessage(assistant(message));
                case "tool" -> builder.addMessage(ChatCompletionToolMessageParam.builder()
                        .toolCallId(message.toolCallId()).content(message.content()).build());
                default -> builder.addUserMessage(message.content());
            }
        }
        var params = request.params();
        Integer maxTokens = continuation == null ? params.maxTokens() : continuation.maxTokens(params.maxTokens());
        if (continuation != null) {
            // vLLM's names (its chat template parameters): go on with the final assistant message, open no new one.
            builder.addMessage(ChatCompletionAssistantMessageParam.builder().content(continuation.text()).build())
                    .putAdditionalBodyProperty("continue_final_message", JsonValue.from(true))
                    .putAdditionalBodyProperty("add_generation_prompt", JsonValue.from(false));
        }
        if (maxTokens != null) {
            builder.maxCompletionTokens(maxTokens);
        }
        if (params.temperature() != null) {
            builder.temperature(params.temperature());
        }
        if (params.seed() != null) {
            builder.seed(params.seed());
        }
        if (params.reasoningEffort() != null) {
            builder.reasoningEffort(ReasoningEffort.of(params.reasoningEffort()));
        }
        for (ToolDefinition tool : params.tools()) {
            var function = FunctionDefinition.builder().name(tool.name());
            if (tool.description() != null) {
                function.description(tool.description());
            }
            if (tool.parameters() != null) {
                var schema = FunctionParameters.builder();
                tool.parameters().forEach((key, value) -> schema.putAdditionalProperty(key, JsonValue.from(value)));
                function.parameters(schema.build());
            }
            builder.addTool(ChatCompletionFunctionTool.builder().function(function.build()).build());
        }
        return builder.build();
    }

    private static Usage toUsage(CompletionUsage usage) {
        Long cached = usage.promptTokensDetails().flatMap(d -> d.cachedTokens()).orElse(null);
        Long reasoning = usage.completionTokensDetails().flatMap(d -> d.reasoningTokens()).orElse(null);
        return new Usage(usage.promptTokens(), usage.completionTokens(), cached, reasoning);
    }

    @Override
    public UpstreamFailure classify(RuntimeException error) {
        if (error instanceof SseException sse) {
            String providerCode = sse.code().or(sse::type).orElse(null);
            FailureReason reason = FailureReason.ofProviderType(sse.code().orElse(null));
            if (reason == FailureReason.UPSTREAM_ERROR) {
                reason = FailureReason.ofProviderType(sse.type().orElse(null));
            }
            return UpstreamFailure.reported(reason, "error event in the stream: " + sse.getMessage(), providerCode,
                    null);
        }
        if (error instanceof OpenAIServiceException service) {
            Headers headers = service.headers();
            return UpstreamFailure.reported(FailureReason.ofStatus(service.statusCode()),
                    "HTTP " + service.statusCode() + ": " + service.getMessage(),
                    service.code().or(service::type).orElse(null),
                    UpstreamFailure.retryAfter(headers.values("retry-after-ms"), headers.values("retry-after")));
        }
        return UpstreamFailure.reported(FailureReason.ofTransport(error), String.valueOf(error.getMessage()), null, null);
    }

    @Override
    public void close() {
        client.close();
    }
}
