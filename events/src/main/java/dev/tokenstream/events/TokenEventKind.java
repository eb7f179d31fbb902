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

    /**
     * Whether no event of the stream follows one of this kind.
     *
     * @return true for completed, failed and cancelled
     */
    public boolean isTerminal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }

    /**
     * Whether an event of this kind is part of the answer a client sees: once one went out, a retry or a new
     * attempt can no longer replace the generation without the client noticing.
     *
     * @return true for token, reasoning and tool-call events
     */
    public boolean isContent() {
        return this == TOKEN || this == REASONING || this == TOOL_CALL_DELTA || this == TOOL_CALL;
    }
}
