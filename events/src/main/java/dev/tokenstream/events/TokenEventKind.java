package dev.tokenstream.events;

/** What a {@link TokenEvent} says happened upstream. */
public enum TokenEventKind {
    /** Ingest sent the upstream request; carries the request's accepted and sent times. */
    STARTED,
    /** A piece of answer text, as one provider chunk delivered it. */
    TOKEN,
    /**
     * A piece of the model's reasoning (Anthropic's {@code thinking_delta}, Ollama's and vLLM's
     * {@code delta.reasoning}), kept apart from the answer text.
     */
    REASONING,
    /** A fragment of a tool call's arguments, as streamed; carries a {@link ToolCall} with {@code complete=false}. */
    TOOL_CALL_DELTA,
    /** A whole tool call, its arguments assembled from the fragments; carries a {@link ToolCall}. */
    TOOL_CALL,
    /** The provider finished; carries the finish reason and usage. */
    COMPLETED,
    /** The provider call failed; carries the error. */
    FAILED,
    /** The upstream call was aborted by a cancel command; carries the usage known so far. */
    CANCELLED;

    /** @return true for the kinds after which no event of the stream follows. */
    public boolean isTerminal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }
}
