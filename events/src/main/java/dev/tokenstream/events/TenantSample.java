package dev.tokenstream.events;

/**
 * What one stream tells its tenant's usage, on {@link Topics#TENANT_SAMPLES} keyed by tenant: written by the
 * processor when it first reads a stream's request, as the stream's output tokens are counted (with its statistics,
 * every {@code processor.stats-every-tokens} tokens and at the end), and when the stream ends. The processor adds
 * them up per tenant for quotas ({@link TenantUsage}).
 *
 * @param tenant       the stream's tenant, also the record key
 * @param streamId     the stream
 * @param kind         what happened
 * @param outputTokens TOKENS: output tokens since the stream's previous sample
 * @param atMillis     when, on the processor's clock, epoch milliseconds
 */
public record TenantSample(String tenant, String streamId, Kind kind, long outputTokens, long atMillis) {

    /** What a sample reports. */
    public enum Kind {
        /** The stream was requested: one more running stream, one more request this minute. */
        REQUESTED,
        /** Output tokens counted. */
        TOKENS,
        /** The stream ended: one running stream fewer. */
        ENDED
    }

    public static TenantSample requested(String tenant, String streamId, long atMillis) {
        return new TenantSample(tenant, streamId, Kind.REQUESTED, 0, atMillis);
    }

    public static TenantSample tokens(String tenant, String streamId, long outputTokens, long atMillis) {
        return new TenantSample(tenant, streamId, Kind.TOKENS, outputTokens, atMillis);
    }

    public static TenantSample ended(String tenant, String streamId, long atMillis) {
        return new TenantSample(tenant, streamId, Kind.ENDED, 0, atMillis);
    }
}
