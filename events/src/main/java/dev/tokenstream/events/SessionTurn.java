package dev.tokenstream.events;

import java.util.List;
import java.util.Optional;

/**
 * One turn of a {@link Session}: a stream started in it, the messages it added, and (once it ended and a later turn
 * or a look at the session recorded it) its answer as the client received it.
 *
 * @param streamId the turn's stream
 * @param messages the messages the turn added (usually one user message)
 * @param answer    the answer's text as it was delivered; null until recorded
 * @param toolCalls the answer's tool calls, each whole; null for none
 * @param outcome   how the stream ended: {@code COMPLETED}, {@code CANCELLED} or {@code FAILED}; null until recorded
 */
public record SessionTurn(String streamId, List<ChatMessage> messages, String answer, List<ToolCall> toolCalls,
                          StreamState outcome) {

    /** Follows the text of an answer that was cancelled, in the conversation sent to the provider. */
    public static final String CANCELLED_MARK = "[cancelled here: the answer above is incomplete]";
    /** Follows the text of an answer that failed, in the conversation sent to the provider. */
    public static final String FAILED_MARK = "[failed here: the answer above is incomplete]";

    public SessionTurn {
        messages = messages == null ? List.of() : List.copyOf(messages);
    }

    /** @return a turn just started, its answer not recorded */
    public static SessionTurn started(String streamId, List<ChatMessage> messages) {
        return new SessionTurn(streamId, messages, null, null, null);
    }

    /** @return this turn with its answer recorded: its text and tool calls as delivered, and how it ended */
    public SessionTurn answered(String text, List<ToolCall> calls, StreamState outcome) {
        return new SessionTurn(streamId, messages, text, calls == null || calls.isEmpty() ? null : List.copyOf(calls),
                outcome);
    }

    /** @return whether its answer is recorded */
    public boolean recorded() {
        return outcome != null;
    }

    /**
     * @return the answer as an {@code assistant} message, its text followed by {@link #CANCELLED_MARK} or
     *         {@link #FAILED_MARK} when it did not complete, with its tool calls; empty until recorded
     */
    public Optional<ChatMessage> answerMessage() {
        if (!recorded()) {
            return Optional.empty();
        }
        String text = answer == null ? "" : answer;
        return Optional.of(new ChatMessage("assistant", switch (outcome) {
            case CANCELLED -> text + (text.isEmpty() ? "" : "\n\n") + CANCELLED_MARK;
            case FAILED -> text + (text.isEmpty() ? "" : "\n\n") + FAILED_MARK;
            default -> text;
        }, toolCalls, null));
    }
}
