package dev.tokenstream.events;

import java.util.List;

/**
 * One message of a chat prompt, as the OpenAI Chat Completions API names it.
 *
 * @param role       {@code system}, {@code user}, {@code assistant} or {@code tool}
 * @param content    the message text; for an assistant message that only calls tools, empty or null
 * @param toolCalls  an assistant message's calls of the request's tools, each whole ({@link ToolCall#whole}: id,
 *                   name and JSON arguments); null for none
 * @param toolCallId a {@code tool} message's call it answers: the id of one of an earlier assistant message's
 *                   {@code toolCalls}; {@code content} is the tool's result
 */
public record ChatMessage(String role, String content, List<ToolCall> toolCalls, String toolCallId) {

    /** A message of text only. */
    public ChatMessage(String role, String content) {
        this(role, content, null, null);
    }

    /** @return a {@code user} message with the given text. */
    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    /** @return an {@code assistant} message that calls tools (and may say {@code content} too) */
    public static ChatMessage calls(String content, List<ToolCall> toolCalls) {
        return new ChatMessage("assistant", content, List.copyOf(toolCalls), null);
    }

    /** @return a {@code tool} message: the result of call {@code toolCallId} */
    public static ChatMessage toolResult(String toolCallId, String content) {
        return new ChatMessage("tool", content, null, toolCallId);
    }

    /** @return the tool calls, none when null */
    public List<ToolCall> calls() {
        return toolCalls == null ? List.of() : toolCalls;
    }
}
