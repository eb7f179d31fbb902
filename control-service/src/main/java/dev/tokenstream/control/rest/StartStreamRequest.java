package dev.tokenstream.control.rest;

import dev.tokenstream.events.Buffering;
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
 * @param params    optional sampling parameters
 * @param buffering optional coalescing of tokens into frames, e.g. {@code {"mode":"words"}} or
 *                  {@code {"mode":"tokens","size":5}}; the processor's default when absent
 */
public record StartStreamRequest(
        @NotBlank @Size(max = 64) String provider,
        @NotBlank @Size(max = 256) String model,
        @NotEmpty @Size(max = 256) List<@Valid @NotNull Message> messages,
        GenerationParams params,
        Buffering buffering) {

    /** @return why {@link #buffering} is not usable, or null when it is */
    String bufferingProblem() {
        if (buffering == null) {
            return null;
        }
        if (buffering.mode() == null) {
            return "buffering.mode must be one of none, tokens, characters, window, words, sentences";
        }
        if (buffering.mode().needsSize() && (buffering.size() == null || buffering.size() < 1
                || buffering.size() > 60_000)) {
            return "buffering.size must be from 1 to 60000 for mode " + buffering.mode().wireName();
        }
        return null;
    }

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
