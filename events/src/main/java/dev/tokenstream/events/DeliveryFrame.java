package dev.tokenstream.events;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * What a client receives, written by the stream processor to {@link Topics#DELIVERIES} and forwarded unchanged
 * over WebSocket. {@code seq} is the delivery sequence (0, 1, 2, ... per stream), the number a client resumes
 * after. Fields that do not apply to a type are null.
 *
 * @param type            started, token, reasoning, tool_call, paused, resumed, comparison, completed, failed or
 *                        cancelled
 * @param streamId        the stream's id
 * @param seq             per-stream delivery sequence from 0
 * @param text            token, reasoning: the text
 * @param emittedAtMicros token: when ingest received it from the provider; others: when the processor made the frame
 * @param finishReason    completed: the provider's finish reason
 * @param usage           completed, cancelled: usage reported by the provider, when known
 * @param error           failed: why
 * @param tokens          token: how many provider tokens the text holds when the stream's buffering coalesced
 *                        several; null for one
 * @param toolCall        tool_call: the call (complete) or a fragment of its arguments
 * @param member          a merge group's frames of one member (content, and the terminal frame of race and
 *                        fallback): the member's index in the group's targets
 * @param comparison      comparison (compare groups, before the terminal frame): every member's result
 * @param coalesced       token: how many token frames delivery merged into this one for a client that fell
 *                        behind (its seq is the last one's); null when not merged
 */
public record DeliveryFrame(FrameType type, String streamId, long seq, String text, long emittedAtMicros,
                            String finishReason, Usage usage, ErrorInfo error, Integer tokens, ToolCall toolCall,
                            Integer member, Comparison comparison, Integer coalesced) {

    /** A frame as the processor writes it: never merged by delivery. */
    public DeliveryFrame(FrameType type, String streamId, long seq, String text, long emittedAtMicros,
                         String finishReason, Usage usage, ErrorInfo error, Integer tokens, ToolCall toolCall,
                         Integer member, Comparison comparison) {
        this(type, streamId, seq, text, emittedAtMicros, finishReason, usage, error, tokens, toolCall, member,
                comparison, null);
    }

    /** A frame of a stream of its own. */
    public DeliveryFrame(FrameType type, String streamId, long seq, String text, long emittedAtMicros,
                         String finishReason, Usage usage, ErrorInfo error, Integer tokens, ToolCall toolCall) {
        this(type, streamId, seq, text, emittedAtMicros, finishReason, usage, error, tokens, toolCall, null, null);
    }

    /** A frame of one token, or of no token. */
    public DeliveryFrame(FrameType type, String streamId, long seq, String text, long emittedAtMicros,
                         String finishReason, Usage usage, ErrorInfo error) {
        this(type, streamId, seq, text, emittedAtMicros, finishReason, usage, error, null, null);
    }

    public static DeliveryFrame of(FrameType type, String streamId, long seq, long emittedAtMicros) {
        return new DeliveryFrame(type, streamId, seq, null, emittedAtMicros, null, null, null);
    }

    public static DeliveryFrame token(String streamId, long seq, String text, long emittedAtMicros) {
        return new DeliveryFrame(FrameType.TOKEN, streamId, seq, text, emittedAtMicros, null, null, null);
    }

    /** @return a token frame holding {@code tokens} provider tokens (1: a plain token frame) */
    public static DeliveryFrame tokens(String streamId, long seq, String text, int tokens, long emittedAtMicros) {
        return new DeliveryFrame(FrameType.TOKEN, streamId, seq, text, emittedAtMicros, null, null, null,
                tokens == 1 ? null : tokens, null);
    }

    public static DeliveryFrame reasoning(String streamId, long seq, String text, long emittedAtMicros) {
        return new DeliveryFrame(FrameType.REASONING, streamId, seq, text, emittedAtMicros, null, null, null);
    }

    public static DeliveryFrame toolCall(String streamId, long seq, ToolCall call, long emittedAtMicros) {
        return new DeliveryFrame(FrameType.TOOL_CALL, streamId, seq, null, emittedAtMicros, null, null, null, null,
                call);
    }

    /** @return this frame as a merge group's: the group's id and delivery seq, tagged with {@code member} */
    public DeliveryFrame inGroup(String groupId, long groupSeq, Integer member) {
        return new DeliveryFrame(type, groupId, groupSeq, text, emittedAtMicros, finishReason, usage, error, tokens,
                toolCall, member, comparison);
    }

    public static DeliveryFrame comparison(String groupId, long seq, Comparison comparison, long emittedAtMicros) {
        return new DeliveryFrame(FrameType.COMPARISON, groupId, seq, null, emittedAtMicros, null, null, null, null,
                null, null, comparison);
    }

    /**
     * Whether this is a token frame.
     *
     * @return true for {@link FrameType#TOKEN}
     */
    @JsonIgnore
    public boolean isToken() {
        return type == FrameType.TOKEN;
    }

    /**
     * Whether the stream ends with this frame.
     *
     * @return true for completed, failed and cancelled
     */
    @JsonIgnore
    public boolean isTerminal() {
        return type.isTerminal();
    }

    /**
     * How many provider tokens a token frame holds, merged by the processor's coalescing or by delivery.
     *
     * @return {@link #tokens()}, or 1 when it is null
     */
    @JsonIgnore
    public int tokenCount() {
        return tokens == null ? 1 : tokens;
    }
}
