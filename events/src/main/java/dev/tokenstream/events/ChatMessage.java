package dev.tokenstream.events;

/**
 * One message of a chat prompt, as the OpenAI Chat Completions API names it.
 *
 * @param role    {@code system}, {@code user} or {@code assistant}
 * @param content the message text
 */
public record ChatMessage(String role, String content) {

    /** @return a {@code user} message with the given text. */
    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }
}
