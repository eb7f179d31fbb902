package dev.tokenstream.processor.streams;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import dev.tokenstream.events.Buffering;
import dev.tokenstream.events.ErrorInfo;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.Usage;

/**
 * What the processor keeps of one stream in the {@link StreamTopology#STATE_STORE} (changelogged): its state, the
 * sequence numbers seen and given, and the accumulators of its statistics. Times are epoch microseconds.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY,
        getterVisibility = JsonAutoDetect.Visibility.NONE, isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class StreamProgress {

    StreamState state = StreamState.REQUESTED;
    /** Highest token-event seq applied or held; lower or equal ones are duplicates. */
    long lastEventSeq = -1;
    /** The delivery seq the next frame gets. */
    long nextDeliverySeq;
    boolean started;
    String provider;
    String model;
    /** The request's tenant (from ingest's started event); null for streams of no tenant. */
    String tenant;
    /** Output tokens already reported to the tenant's usage ({@link dev.tokenstream.events.TenantSample}). */
    long tenantTokensSampled;
    /** Whether the stream's end was reported to the tenant's usage. */
    boolean tenantEndSampled;
    Long acceptedAtMicros;
    Long upstreamRequestAtMicros;
    Long firstTokenAtMicros;
    Long lastTokenAtMicros;
    long tokenCount;
    /** Inter-token gaps in microseconds, an HdrHistogram in its compressed encoding. */
    byte[] itlHistogram;
    Long pausedAtMicros;
    double pausedMillis;
    long heldEvents;
    String finishReason;
    Usage usage;
    ErrorInfo error;
    Long endedAtMicros;
    /** The request's coalescing policy, or null for the processor's default. */
    Buffering buffering;
    /** Token text waiting to be coalesced into the next frame. */
    String pendingText = "";
    int pendingTokens;
    long pendingEmittedAtMicros;
    /** When ingest received the first pending token (window mode: its window starts there), epoch microseconds. */
    long pendingFirstEmittedAtMicros;
    /** Processor wall clock when the first pending token arrived (window mode), epoch milliseconds. */
    long pendingSinceMillis;
    /** The processor's wall clock at the stream's last event from ingest (or its end), epoch milliseconds. */
    long lastActivityMillis;
    long pausedSinceMillis;
    Long attempt;
    long contentEvents;

    long nextDeliverySeq() {
        return nextDeliverySeq++;
    }
}
