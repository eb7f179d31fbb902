package dev.tokenstream.delivery.facade;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstream.events.ChatMessage;
import dev.tokenstream.events.ToolCall;
import dev.tokenstream.events.ToolDefinition;
import dev.tokenstream.events.Usage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The OpenAI Responses API's wire shapes the facade reads and writes, as records for Jackson; names as OpenAI spells
 * them (the {@code openai} npm package's {@code resources/responses/responses.d.ts}, which the system tests run).
 * Only what the facade uses: message input with text content, function tools, text, reasoning text and function
 * calls out.
 */
final class ResponsesWire {

    private ResponsesWire() {
    }

    /**
     * The body of {@code POST /v1/responses}.
     *
     * @param model              {@code provider/model}, or a model of the facade's default provider
     * @param input              a string (one user message) or an array of items: messages ({@code {role,
     *                           content}}, optionally {@code type: "message"}; content a string or text parts), the
     *                           model's {@code function_call}s and their {@code function_call_output}s
     * @param instructions       a system message put first
     * @param maxOutputTokens    the output limit
     * @param temperature        sampling temperature
     * @param stream             whether to answer as server-sent events
     * @param background         whether the response runs on without its client: a streaming client that goes away
     *                           does not cancel it, and it can be retrieved and resumed ({@code GET
     *                           /v1/responses/{id}?stream=true&starting_after=N}) and cancelled
     * @param tools              functions the model may call: {@code [{type: "function", name, description,
     *                           parameters}]}
     * @param reasoning          {@code {effort}}: none, minimal, low, medium, high or xhigh
     * @param previousResponseId the response this one continues: the provider is sent that response's conversation
     *                           (its earlier inputs and answers as delivered) followed by {@code input}; a response
     *                           that later ones already continued gives a branch
     */
    record Request(String model, JsonNode input, String instructions,
                   @JsonProperty("max_output_tokens") Integer maxOutputTokens, Double temperature, boolean stream,
                   boolean background, List<Tool> tools, Reasoning reasoning,
                   @JsonProperty("previous_response_id") String previousResponseId) {

        /**
         * @return the conversation: the instructions as a system message, then the input's messages
         * @throws IllegalArgumentException when the input is neither a string nor an array of message items, or a
         *                                  message has content other than text (the message never repeats the input)
         */
        List<ChatMessage> messages() {
            List<ChatMessage> messages = new ArrayList<>();
            if (instructions != null && !instructions.isBlank()) {
                messages.add(new ChatMessage("system", instructions));
            }
            if (input == null || input.isNull()) {
                throw new IllegalArgumentException("'input' (a string, or an array of messages) is required");
            }
            if (input.isTextual()) {
                messages.add(new ChatMessage("user", input.asText()));
                return messages;
            }
            if (!input.isArray()) {
                throw new IllegalArgumentException("'input' must be a string or an array of messages");
            }
            for (JsonNode item : input) {
                String type = item.path("type").asText("message");
                switch (type) {
                    case "function_call" -> {
                        // A call joins the assistant message before it, as the model made them together.
                        ChatMessage last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
                        boolean join = last != null && "assistant".equals(last.role());
                        List<ToolCall> calls = new ArrayList<>(join ? last.calls() : List.of());
                        calls.add(ToolCall.whole(calls.size(), item.path("call_id").asText(null),
                                item.path("name").asText(null), item.path("arguments").asText("{}")));
                        if (join) {
                            messages.set(messages.size() - 1, ChatMessage.calls(last.content(), calls));
                        } else {
                            messages.add(ChatMessage.calls("", calls));
                        }
                    }
                    case "function_call_output" -> messages.add(ChatMessage.toolResult(
                            item.path("call_id").asText(null), item.path("output").isTextual()
                                    ? item.get("output").asText() : item.path("output").toString()));
                    case "message" -> {
                        if (!item.path("role").isTextual()) {
                            throw new IllegalArgumentException("a message item of 'input' needs a role");
                        }
                        var message = new ChatCompletionsWire.Message(item.get("role").asText(), item.get("content"),
                                null, null);
                        messages.add(new ChatMessage(message.tokenstreamRole(), message.text()));
                    }
                    default -> throw new IllegalArgumentException("only message, function_call and "
                            + "function_call_output items are supported in 'input'; item references and other item "
                            + "types are not yet");
                }
            }
            return messages;
        }

        /** @return the tools as Tokenstream's requests carry them (other than functions: skipped) */
        List<ToolDefinition> toolDefinitions() {
            return tools == null ? List.of() : tools.stream()
                    .filter(tool -> tool != null && "function".equals(tool.type()) && tool.name() != null)
                    .map(tool -> new ToolDefinition(tool.name(), tool.description(), tool.parameters())).toList();
        }

        /** @return the reasoning effort asked for, or null */
        String reasoningEffort() {
            return reasoning == null ? null : reasoning.effort();
        }
    }

    /**
     * A function tool, in the Responses API's flat shape.
     *
     * @param type        {@code function}
     * @param name        its name
     * @param description what it does
     * @param parameters  JSON Schema of its arguments
     */
    record Tool(String type, String name, String description, Map<String, Object> parameters) {
    }

    /**
     * The request's reasoning options.
     *
     * @param effort how hard a reasoning model thinks
     */
    record Reasoning(String effort) {
    }

    /**
     * A response: the answer of create, retrieve and cancel, and the {@code response} of the lifecycle events.
     *
     * @param id                {@code resp_<streamId>}
     * @param object            {@code response}
     * @param createdAt         unix seconds
     * @param status            {@code queued}, {@code in_progress}, {@code completed}, {@code incomplete},
     *                          {@code failed} or {@code cancelled}
     * @param background        whether it runs on without its client; left out when the reading does not know (a
     *                          retrieval: only the creating request says)
     * @param model             the request's model
     * @param output            its items so far: reasoning, message, function calls, in the order they began
     * @param usage             token counts, once it ended
     * @param error             why it failed
     * @param incompleteDetails why it is incomplete
     */
    record Response(String id, String object, @JsonProperty("created_at") long createdAt, String status,
                    Boolean background, String model, List<Item> output,
                    @JsonInclude(JsonInclude.Include.ALWAYS) Tokens usage,
                    @JsonInclude(JsonInclude.Include.ALWAYS) Error error,
                    @JsonInclude(JsonInclude.Include.ALWAYS) @JsonProperty("incomplete_details")
                    Incomplete incompleteDetails) {
    }

    /**
     * An output item. A message has {@code role} and {@code content} (one {@code output_text} part); reasoning has
     * {@code summary} (empty) and {@code content} (one {@code reasoning_text} part); a function call has
     * {@code call_id}, {@code name} and {@code arguments} (JSON text).
     *
     * @param id        {@code msg_}, {@code rs_} or {@code fc_}, then the stream id and the output index
     * @param type      {@code message}, {@code reasoning} or {@code function_call}
     * @param status    {@code in_progress}, {@code completed} or {@code incomplete}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Item(String id, String type, String status, String role, List<Part> content, List<Object> summary,
                @JsonProperty("call_id") String callId, String name, String arguments) {
    }

    /**
     * A content part.
     *
     * @param type        {@code output_text} or {@code reasoning_text}
     * @param text        its text
     * @param annotations {@code output_text}: none; otherwise left out
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Part(String type, String text, List<Object> annotations) {
    }

    /**
     * A streaming event: {@code type}, {@code sequence_number} (from 0, one more per event; the same on every
     * reading of the stream, so {@code starting_after} resumes exactly) and the fields of its type.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Event(String type, @JsonProperty("sequence_number") int sequenceNumber, Response response,
                 @JsonProperty("output_index") Integer outputIndex, @JsonProperty("item_id") String itemId,
                 @JsonProperty("content_index") Integer contentIndex, Item item, Part part, String delta,
                 String text, String arguments, List<Object> logprobs) {
    }

    /**
     * Token counts in the Responses API's names.
     *
     * @param inputTokens         input tokens
     * @param inputTokensDetails  {@code cached_tokens} of them
     * @param outputTokens        output tokens
     * @param outputTokensDetails {@code reasoning_tokens} of them
     * @param totalTokens         their sum
     */
    record Tokens(@JsonProperty("input_tokens") long inputTokens,
                  @JsonProperty("input_tokens_details") Map<String, Long> inputTokensDetails,
                  @JsonProperty("output_tokens") long outputTokens,
                  @JsonProperty("output_tokens_details") Map<String, Long> outputTokensDetails,
                  @JsonProperty("total_tokens") long totalTokens) {

        static Tokens of(Usage usage) {
            long input = usage == null || usage.inputTokens() == null ? 0 : usage.inputTokens();
            long output = usage == null || usage.outputTokens() == null ? 0 : usage.outputTokens();
            long cached = usage == null || usage.cachedInputTokens() == null ? 0 : usage.cachedInputTokens();
            long reasoning = usage == null || usage.reasoningTokens() == null ? 0 : usage.reasoningTokens();
            return new Tokens(input, Map.of("cached_tokens", cached), output, Map.of("reasoning_tokens", reasoning),
                    input + output);
        }
    }

    /**
     * Why a response failed.
     *
     * @param code    {@code server_error}
     * @param message what the provider or Tokenstream said
     */
    record Error(String code, String message) {
    }

    /**
     * Why a response is incomplete.
     *
     * @param reason {@code max_output_tokens}, or {@code cancelled} for a stream cancelled before it completed (a
     *               reason of Tokenstream's: OpenAI's API has no event for a cancelled stream)
     */
    record Incomplete(String reason) {
    }
}
