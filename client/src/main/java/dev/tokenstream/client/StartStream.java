package dev.tokenstream.client;

import dev.tokenstream.events.Buffering;
import dev.tokenstream.events.ChatMessage;
import dev.tokenstream.events.GenerationParams;

import java.util.List;

/**
 * What to stream: the body of {@code POST /v1/streams}.
 *
 * @param provider a provider configured in ingest-service ({@code simulator}, {@code openai}, {@code ollama}, ...)
 * @param model    the provider's model name
 * @param messages the chat prompt
 * @param params    sampling parameters; may be null
 * @param buffering how the processor coalesces tokens into frames; null for its default
 */
public record StartStream(String provider, String model, List<ChatMessage> messages, GenerationParams params,
                          Buffering buffering) {

    /** @return a request with one user message */
    public static StartStream prompt(String provider, String model, String prompt, GenerationParams params) {
        return new StartStream(provider, model, List.of(ChatMessage.user(prompt)), params, null);
    }

    /** @return the same request with {@code buffering} */
    public StartStream withBuffering(Buffering buffering) {
        return new StartStream(provider, model, messages, params, buffering);
    }
}
