package dev.tokenstream.delivery.facade;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.tokenstream.events.ChatMessage;
import dev.tokenstream.events.ToolCall;
import dev.tokenstream.events.ToolDefinition;
import dev.tokenstream.events.Usage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The OpenAI Chat Completions wire shapes the facade reads and writes, as records for Jackson; field names as OpenAI
 * spells them (docs/provider-wire-formats.md, section 1; openai-python's {@code types/chat}). Only what the facade
 * uses: text messages, tool calls and their results in; text, reasoning and tool-call deltas, usage and errors out.
 */
final class ChatCompletionsWire {

    private ChatCompletionsWire() {
    }

    /**
     * The request body of {@code POST /v1/chat/completions}.
     *
     * @param model               {@code provider/model}, or a model of the facade's default provider
     * @param messages            the conversation, text content only (strings or text parts)
     * @param maxCompletionTokens the newer name of the output limit
     * @param maxTokens           the older name of the output limit
     * @param temperature         sampling temperature
     * @param seed                sampling seed
     * @param stream              whether to answer as server-sent chunks
     * @param streamOptions       with {@code stream}: {@code include_usage} adds a usage chunk before {@code [DONE]}
     * @param tools               functions the model may call: {@code [{type: "function", function: {name,
     *                            description, parameters}}]}
     * @param reasoningEffort     how hard a reasoning model thinks: {@code none}, {@code minimal}, {@code low},
     *                            {@code medium}, {@code high} or {@code xhigh} (control-service refuses others)
     */
    record Request(String model, List<Message> messages,
                   @JsonProperty("max_completion_tokens") Integer maxCompletionTokens,
                   @JsonProperty("max_tokens") Integer maxTokens, Double temperature, Long seed, boolean stream,
                   @JsonProperty("stream_options") StreamOptions streamOptions, List<Tool> tools,
                   @JsonProperty("reasoning_effort") String reasoningEffort) {

        /** @return the tools as Tokenstream's requests carry them (an entry without a function is skipped) */
        List<ToolDefinition> toolDefinitions() {
            return tools == null ? List.of() : tools.stream().filter(tool -> tool != null && tool.function() != null)
                    .map(tool -> new ToolDefinition(tool.function().name(), tool.function().description(),
                            tool.function().parameters())).toList();
        }

        /** @return the output limit by either name, the newer one first; null when neither is set */
        Integer outputLimit() {
            return maxCompletionTokens != null ? maxCompletionTokens : maxTokens;
        }

        /** @return whether the last chunk before {@code [DONE]} carries the usage */
        boolean includeUsage() {
            return streamOptions != null && streamOptions.includeUsage();
        }
    }

    /**
     * One message of the request.
     *
     * @param role       system, developer (taken as system, as OpenAI's newer models name it), user, assistant or
     *                   tool
     * @param content    its text: a string, or an array of content parts of which only {@code {type: "text", text}}
     *                   is supported (their texts are joined)
     * @param toolCalls  an assistant message's calls of the request's tools (the answer's {@code tool_calls}, sent
     *                   back with their results)
     * @param toolCallId a tool message's call: the result of which call its content is
     */
    record Message(String role, JsonNode content, @JsonProperty("tool_calls") List<ToolCallDelta> toolCalls,
                   @JsonProperty("tool_call_id") String toolCallId) {

        /** The content part types that hold text: Chat Completions' and the Responses API's. */
        private static final Set<String> TEXT_PARTS = Set.of("text", "input_text", "output_text");

        /** @return the role Tokenstream's requests name: {@code developer} is {@code system}; null is {@code user} */
        String tokenstreamRole() {
            return role == null ? "user" : role.equals("developer") ? "system" : role;
        }

        /**
         * @return the message as Tokenstream's requests carry it: text, an assistant's tool calls, a tool's result
         * @throws IllegalArgumentException as {@link #text()}
         */
        ChatMessage toEvent() {
            if (toolCalls != null && !toolCalls.isEmpty()) {
                List<ToolCall> calls = new ArrayList<>();
                for (ToolCallDelta call : toolCalls) {
                    calls.add(ToolCall.whole(calls.size(), call.id(), call.function() == null ? null
                            : call.function().name(), call.function() == null ? "{}" : call.function().arguments()));
                }
                return ChatMessage.calls(text(), calls);
            }
            return new ChatMessage(tokenstreamRole(), text(), null, toolCallId);
        }

        /**
         * @return the message's text: the string, or its text parts joined; empty when it has none
         * @throws IllegalArgumentException when a part is not text, or the content neither a string nor an array
         */
        String text() {
            if (content == null || content.isNull()) {
                return "";
            }
            if (content.isTextual()) {
                return content.asText();
            }
            if (!content.isArray()) {
                throw new IllegalArgumentException("a message's content must be a string or an array of content "
                        + "parts");
            }
            var text = new StringBuilder();
            for (JsonNode part : content) {
                if (!TEXT_PARTS.contains(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw new IllegalArgumentException("only text content parts ({\"type\": \"text\", \"text\": ...}; "
                            + "the Responses API's input_text and output_text) are supported; images, audio and "
                            + "files are not");
                }
                text.append(part.get("text").asText());
            }
            return text.toString();
        }
    }

    /**
     * The request's {@code stream_options}.
     *
     * @param includeUsage whether a usage chunk ends the stream
     */
    record StreamOptions(@JsonProperty("include_usage") boolean includeUsage) {
    }

    /**
     * A tool of the request.
     *
     * @param type     {@code function}
     * @param function the function
     */
    record Tool(String type, Function function) {
    }

    /**
     * A function the model may call.
     *
     * @param name        its name
     * @param description what it does
     * @param parameters  JSON Schema of its arguments
     */
    record Function(String name, String description, Map<String, Object> parameters) {
    }

    /**
     * A tool call in a chunk ({@code delta.tool_calls[]}: the first fragment of a call has its id, type and name,
     * later ones more {@code arguments} text) or in the whole answer's message (no index).
     *
     * @param index    the call's position in the answer
     * @param id       the provider's call id, on the first fragment
     * @param type     {@code function}, on the first fragment
     * @param function the name (first fragment) and a fragment of the JSON arguments
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ToolCallDelta(Integer index, String id, String type, FunctionCall function) {

        /** @return {@code call} in the chunk format ({@code whole}: in the message format, without index) */
        static ToolCallDelta of(ToolCall call, boolean whole) {
            return new ToolCallDelta(whole ? null : call.index(), call.id(), call.id() == null ? null : "function",
                    new FunctionCall(call.name(), call.arguments() == null ? "" : call.arguments()));
        }
    }

    /**
     * A function call's name and (a fragment of) its JSON arguments.
     *
     * @param name      the function's name, on the first fragment
     * @param arguments JSON text
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record FunctionCall(String name, String arguments) {
    }

    /**
     * A chunk of the streamed answer ({@code object: chat.completion.chunk}), or the whole answer
     * ({@code object: chat.completion}, with {@code message} instead of {@code delta}).
     *
     * @param id      {@code chatcmpl-<streamId>}, the same on every chunk
     * @param object  {@code chat.completion.chunk} or {@code chat.completion}
     * @param created unix seconds, the same on every chunk
     * @param model   the request's model
     * @param choices one choice; none on the usage chunk
     * @param usage   a {@link CompletionUsage} on the usage chunk and the whole answer; {@link #NO_USAGE_YET} on the
     *                other chunks of a stream that asked for usage (OpenAI writes {@code "usage": null} there); Java
     *                null, left out, otherwise
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Completion(String id, String object, long created, String model, List<Choice> choices, Object usage) {

        /** Written as {@code "usage": null}. */
        static final Object NO_USAGE_YET = NullNode.getInstance();
    }

    /**
     * The one choice.
     *
     * @param index        0
     * @param delta        a chunk's new text (and the role on the first chunk)
     * @param message      the whole answer's message
     * @param finishReason null until the last chunk
     */
    record Choice(int index, @JsonInclude(JsonInclude.Include.NON_NULL) Delta delta,
                  @JsonInclude(JsonInclude.Include.NON_NULL) Delta message,
                  @JsonProperty("finish_reason") @JsonInclude(JsonInclude.Include.ALWAYS) String finishReason) {
    }

    /**
     * What a chunk adds, or the whole answer's message.
     *
     * @param role             {@code assistant}, on the first chunk and the whole answer
     * @param content          text
     * @param reasoningContent the model's reasoning text, in the field DeepSeek and vLLM's OpenAI-compatible servers
     *                         use (OpenAI's Chat Completions has none of its own)
     * @param toolCalls        tool calls, or fragments of them
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Delta(String role, String content, @JsonProperty("reasoning_content") String reasoningContent,
                 @JsonProperty("tool_calls") List<ToolCallDelta> toolCalls) {

        Delta(String role, String content) {
            this(role, content, null, null);
        }
    }

    /**
     * Token counts in OpenAI's names.
     *
     * @param promptTokens     input tokens
     * @param completionTokens output tokens
     * @param totalTokens      their sum
     */
    record CompletionUsage(@JsonProperty("prompt_tokens") long promptTokens,
                           @JsonProperty("completion_tokens") long completionTokens,
                           @JsonProperty("total_tokens") long totalTokens) {

        static CompletionUsage of(Usage usage) {
            long input = usage == null || usage.inputTokens() == null ? 0 : usage.inputTokens();
            long output = usage == null || usage.outputTokens() == null ? 0 : usage.outputTokens();
            return new CompletionUsage(input, output, input + output);
        }
    }

    /**
     * OpenAI's error body, {@code {"error": {...}}}, as an HTTP answer or as an event in a stream.
     *
     * @param error what went wrong
     */
    record ErrorBody(Error error) {
    }

    /**
     * The error.
     *
     * @param message in the API's words
     * @param type    {@code invalid_request_error} or {@code api_error}
     * @param param   the request field at fault, or null
     * @param code    a machine-readable code, or null
     */
    record Error(String message, String type, @JsonInclude(JsonInclude.Include.ALWAYS) String param,
                 @JsonInclude(JsonInclude.Include.ALWAYS) String code) {
    }
}
