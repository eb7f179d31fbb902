package dev.tokenstream.delivery.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.tokenstream.events.Usage;

import java.util.List;

/**
 * The OpenAI Chat Completions wire shapes the facade reads and writes, as records for Jackson; field names as OpenAI
 * spells them (docs/provider-wire-formats.md, section 1; openai-python's {@code types/chat}). Only what the facade
 * uses: text messages in, text deltas, usage and errors out.
 */
final class ChatCompletionsWire {

    private ChatCompletionsWire() {
    }

    /**
     * The request body of {@code POST /v1/chat/completions}.
     *
     * @param model               {@code provider/model}, or a model of the facade's default provider
     * @param messages            the conversation, text content only
     * @param maxCompletionTokens the newer name of the output limit
     * @param maxTokens           the older name of the output limit
     * @param temperature         sampling temperature
     * @param seed                sampling seed
     * @param stream              whether to answer as server-sent chunks
     * @param streamOptions       with {@code stream}: {@code include_usage} adds a usage chunk before {@code [DONE]}
     */
    record Request(String model, List<Message> messages,
                   @JsonProperty("max_completion_tokens") Integer maxCompletionTokens,
                   @JsonProperty("max_tokens") Integer maxTokens, Double temperature, Long seed, boolean stream,
                   @JsonProperty("stream_options") StreamOptions streamOptions) {

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
     * @param role    system, user or assistant
     * @param content its text
     */
    record Message(String role, String content) {
    }

    /**
     * The request's {@code stream_options}.
     *
     * @param includeUsage whether a usage chunk ends the stream
     */
    record StreamOptions(@JsonProperty("include_usage") boolean includeUsage) {
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
     * @param role    {@code assistant}, on the first chunk and the whole answer
     * @param content text
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Delta(String role, String content) {
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
