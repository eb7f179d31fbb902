package dev.tokenstream.events;

/**
 * The latest state and statistics of one stream, on the compacted {@link Topics#STREAM_STATS} topic. Times are
 * measured on ingest's clock when the provider's bytes arrived. Null means not known yet.
 *
 * @param streamId            the stream's id
 * @param state               the stream's state
 * @param provider            provider name
 * @param model               model name
 * @param acceptedAtMicros    when control-service accepted the request, epoch microseconds
 * @param ttftMillis          time to first token from request accepted
 * @param upstreamTtftMillis  time to first token from upstream request sent (the provider's own TTFT)
 * @param itlP50Millis        inter-token latency, 50th percentile
 * @param itlP95Millis        inter-token latency, 95th percentile
 * @param itlMaxMillis        inter-token latency, largest gap
 * @param tokensPerSecond     output tokens per second between the first and the last token
 * @param outputTokens        token events counted by the processor
 * @param usage               usage as the provider reported it
 * @param durationMillis      from request accepted to the terminal event
 * @param pausedMillis        time spent paused
 * @param finishReason        the provider's finish reason, or {@code cancelled}
 * @param error               why the stream failed
 * @param updatedAtMicros     when the processor wrote this, epoch microseconds
 * @param tenant              whose stream it is; null for streams started before tenants existed
 */
public record StreamStats(String streamId, StreamState state, String provider, String model,
                          Long acceptedAtMicros, Double ttftMillis, Double upstreamTtftMillis,
                          Double itlP50Millis, Double itlP95Millis, Double itlMaxMillis, Double tokensPerSecond,
                          long outputTokens, Usage usage, Double durationMillis, double pausedMillis,
                          String finishReason, ErrorInfo error, long updatedAtMicros, String tenant) {

    /** Statistics of a stream of no tenant. */
    public StreamStats(String streamId, StreamState state, String provider, String model,
                       Long acceptedAtMicros, Double ttftMillis, Double upstreamTtftMillis,
                       Double itlP50Millis, Double itlP95Millis, Double itlMaxMillis, Double tokensPerSecond,
                       long outputTokens, Usage usage, Double durationMillis, double pausedMillis,
                       String finishReason, ErrorInfo error, long updatedAtMicros) {
        this(streamId, state, provider, model, acceptedAtMicros, ttftMillis, upstreamTtftMillis, itlP50Millis,
                itlP95Millis, itlMaxMillis, tokensPerSecond, outputTokens, usage, durationMillis, pausedMillis,
                finishReason, error, updatedAtMicros, null);
    }

    /** @return these statistics, of {@code tenant} */
    public StreamStats withTenant(String tenant) {
        return new StreamStats(streamId, state, provider, model, acceptedAtMicros, ttftMillis, upstreamTtftMillis,
                itlP50Millis, itlP95Millis, itlMaxMillis, tokensPerSecond, outputTokens, usage, durationMillis,
                pausedMillis, finishReason, error, updatedAtMicros, tenant);
    }
}
