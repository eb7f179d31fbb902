package dev.tokenstream.control.rest;

import dev.tokenstream.events.ChatMessage;
import dev.tokenstream.events.GenerationParams;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import java.util.List;

/**
 * Body of {@code POST /v1/streams}.
 *
 * @param provider a provider configured in ingest-service ({@code simulator}, {@code openai}, {@code ollama}, ...)
 * @param model    the provider's model name
 * @param messages the chat prompt, at least one message
 * @param params   optional sampling parameters
 */
public record StartStreamRequest(
        @NotBlank @Size(max = 64) String provider,
        @NotBlank @Size(max = 256) String model,
        @NotEmpty @Size(max = 256) List<@Valid @NotNull Message> messages,
        GenerationParams params) {

    /**
     * One chat message.
     *
     * @param role    system, user or assistant
     * @param content the text
     */
    public record Message(
            @NotNull @Pattern(regexp = "system|user|assistant", message = "must be system, user or assistant") String role,
            @NotNull String content) {

        ChatMessage toEvent() {
            return new ChatMessage(role, content);
        }
    }
}
