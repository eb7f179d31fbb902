package dev.tokenstream.processor.streams;

import dev.tokenstream.events.Buffering;
import dev.tokenstream.events.ErrorInfo;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.Usage;

/**
 * Format 1 of a stream's stored state: one flat object whose JSON names were the Java fields of the processor of
 * 2026-12-02 and before. Frozen: read only, so that a processor of this build takes over the running streams of
 * that one; never edit a name.
 */
final class StreamProgressV1 {

    public StreamState state = StreamState.REQUESTED;
    public long lastEventSeq = -1;
    public long nextDeliverySeq;
    public boolean started;
    public String provider;
    public String model;
    public String tenant;
    public long tenantTokensSampled;
    public boolean tenantEndSampled;
    public Long acceptedAtMicros;
    public Long upstreamRequestAtMicros;
    public Long firstTokenAtMicros;
    public Long lastTokenAtMicros;
    public long tokenCount;
    public byte[] itlHistogram;
    public Long pausedAtMicros;
    public double pausedMillis;
    public long heldEvents;
    public String finishReason;
    public Usage usage;
    public ErrorInfo error;
    public Long endedAtMicros;
    public Buffering buffering;
    public String pendingText = "";
    public int pendingTokens;
    public long pendingEmittedAtMicros;
    public long pendingFirstEmittedAtMicros;
    public long pendingSinceMillis;
    public long lastActivityMillis;
    public long pausedSinceMillis;
    public Long attempt;
    public long contentEvents;

    /** @return the same state in the current format */
    StreamProgress upgrade() {
        return new StreamProgress(
                Lifecycle.of(state, started, attempt, lastEventSeq, nextDeliverySeq, contentEvents, lastActivityMillis,
                        finishReason, error, endedAtMicros),
                PauseClock.of(pausedAtMicros, pausedMillis, pausedSinceMillis, heldEvents),
                PendingFrame.of(buffering, pendingText, pendingTokens, pendingEmittedAtMicros,
                        pendingFirstEmittedAtMicros, pendingSinceMillis),
                TokenStatistics.of(provider, model, acceptedAtMicros, upstreamRequestAtMicros, firstTokenAtMicros,
                        lastTokenAtMicros, tokenCount, itlHistogram, usage),
                TenantShare.of(tenant, tenantTokensSampled, tenantEndSampled));
    }
}
