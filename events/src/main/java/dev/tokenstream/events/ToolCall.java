package dev.tokenstream.events;

/**
 * A tool (function) call the model makes, or a fragment of one as it streams.
 * <p>
 * In a {@link TokenEventKind#TOOL_CALL_DELTA} event (and a {@code tool_call} frame with {@code complete=false})
 * {@code arguments} is the next fragment of the JSON arguments, as the provider streamed it (OpenAI's
 * {@code delta.tool_calls[].function.arguments}, Anthropic's {@code input_json_delta.partial_json}); {@code id}
 * and {@code name} come with the first fragment only. In a {@link TokenEventKind#TOOL_CALL} event (and a frame with
 * {@code complete=true}) {@code arguments} is the whole JSON object, assembled from the fragments.
 *
 * @param index     the call's position among the calls of the answer, from 0 (parallel calls have distinct ones)
 * @param id        the provider's call id ({@code call_...}, {@code toolu_...}); null on later fragments
 * @param name      the function's name; null on later fragments
 * @param arguments a fragment of the JSON arguments, or all of them when {@code complete}
 * @param complete  true once the call is whole
 */
public record ToolCall(int index, String id, String name, String arguments, boolean complete) {

    /** @return a fragment of a call still streaming */
    public static ToolCall fragment(int index, String id, String name, String arguments) {
        return new ToolCall(index, id, name, arguments, false);
    }

    /** @return a whole call */
    public static ToolCall whole(int index, String id, String name, String arguments) {
        return new ToolCall(index, id, name, arguments, true);
    }
}
