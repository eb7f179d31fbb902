package dev.tokenstream.events;

import java.util.List;

/**
 * A request to stream one model response, written by control-service to {@link Topics#REQUESTS}. It never
 * carries provider keys: those live only in ingest-service.
 *
 * @param streamId         the stream's id, also the record key
 * @param provider         a provider name configured in ingest-service ({@code simulator}, {@code openai}, ...)
 * @param model            the provider's model name
 * @param messages         the chat prompt
 * @param params           sampling parameters
 * @param acceptedAtMicros when control-service accepted the request, epoch microseconds
 * @param buffering        how the processor coalesces tokens into frames; null for its configured default
 */
public record StreamRequest(String streamId, String provider, String model, List<ChatMessage> messages,
                            GenerationParams params, long acceptedAtMicros, Buffering buffering) {

    public StreamRequest {
        messages = messages == null ? List.of() : List.copyOf(messages);
        params = params == null ? GenerationParams.DEFAULTS : params;
    }

    /** A request with the processor's default buffering. */
    public StreamRequest(String streamId, String provider, String model, List<ChatMessage> messages,
                         GenerationParams params, long acceptedAtMicros) {
        this(streamId, provider, model, messages, params, acceptedAtMicros, null);
    }
}
