package dev.tokenstream.events;

import java.util.List;

/**
 * A request to stream one model response, written by control-service to {@link Topics#REQUESTS}. It never
 * carries provider keys: those live only in ingest-service.
 *
 * @param streamId         the stream's id, also the record key (a merge group member's: its group's id)
 * @param provider         a provider name configured in ingest-service ({@code simulator}, {@code openai}, ...)
 * @param model            the provider's model name
 * @param messages         the chat prompt
 * @param params           sampling parameters
 * @param acceptedAtMicros when control-service accepted the request, epoch microseconds
 * @param buffering        how the processor coalesces tokens into frames; null for its configured default
 * @param merge            the merge group this stream is a member of, or null for a stream of its own; the record
 *                         key is then the group's id ({@link Merge#partitionKey})
 * @param tenant           the tenant of the API key that started it (a merge member: its group's); null on
 *                         requests made before tenants existed
 */
public record StreamRequest(String streamId, String provider, String model, List<ChatMessage> messages,
                            GenerationParams params, long acceptedAtMicros, Buffering buffering, Merge merge,
                            String tenant) {

    public StreamRequest {
        messages = messages == null ? List.of() : List.copyOf(messages);
        params = params == null ? GenerationParams.DEFAULTS : params;
    }

    /** A request of no tenant. */
    public StreamRequest(String streamId, String provider, String model, List<ChatMessage> messages,
                         GenerationParams params, long acceptedAtMicros, Buffering buffering, Merge merge) {
        this(streamId, provider, model, messages, params, acceptedAtMicros, buffering, merge, null);
    }

    /** A request for a stream of its own. */
    public StreamRequest(String streamId, String provider, String model, List<ChatMessage> messages,
                         GenerationParams params, long acceptedAtMicros, Buffering buffering) {
        this(streamId, provider, model, messages, params, acceptedAtMicros, buffering, null);
    }

    /** A request with the processor's default buffering. */
    public StreamRequest(String streamId, String provider, String model, List<ChatMessage> messages,
                         GenerationParams params, long acceptedAtMicros) {
        this(streamId, provider, model, messages, params, acceptedAtMicros, null);
    }
}
