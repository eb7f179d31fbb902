package dev.tokenstream.client;

import dev.tokenstream.events.Comparison;

import dev.tokenstream.events.ToolCall;

/**
 * Receives one stream's events, in order, on the session's delivery thread (one call at a time per session).
 * An exception thrown here is caught, counted ({@link StreamSession#handlerErrors()}) and does not reach the
 * other handlers or the stream.
 */
public interface StreamHandler {

    /** The stream started upstream (its {@code started} frame). */
    default void onStreamStart(StreamMetadata metadata) {
    }

    /**
     * A piece of answer text.
     *
     * @param token the text of one token frame (several tokens when the server merged them for a slow client)
     * @param index 0 for the first token frame of the stream, then 1, 2, ...
     */
    default void onToken(String token, long index) {
    }

    /**
     * A piece of answer text of a merge group's member. By default it is handled as {@link #onToken}; compare
     * groups interleave their members' tokens.
     *
     * @param member the member's index in the group's targets
     */
    default void onMemberToken(int member, String token, long index) {
        onToken(token, index);
    }

    /** A compare group's comparison frame: every member's result, before the group ends. */
    default void onComparison(Comparison comparison) {
    }

    /** A piece of the model's reasoning (extended thinking), apart from the answer (a {@code reasoning} frame). */
    default void onReasoning(String reasoning) {
    }

    /**
     * A tool call of the model (a {@code tool_call} frame): a fragment of its arguments as they stream
     * ({@link ToolCall#complete()} false), then the whole call with its arguments as one JSON object.
     */
    default void onToolCall(ToolCall call) {
    }

    /** The stream ended normally or was cancelled; {@code fullResponse} is all the text received. */
    default void onStreamComplete(String fullResponse) {
    }

    /** The stream failed upstream ({@link StreamFailedException}) or could not be delivered. */
    default void onStreamError(Throwable error) {
    }
}
