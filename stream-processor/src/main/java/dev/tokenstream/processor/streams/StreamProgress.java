package dev.tokenstream.processor.streams;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.Objects;

/**
 * What the processor keeps of one stream in the {@link StreamTopology#STATE_STORE} (changelogged), in parts, each
 * owned by the one class that changes it:
 * <ul>
 *   <li>{@link Lifecycle}: state, attempt fencing and dedupe, delivery seqs, how it ended;</li>
 *   <li>{@link PauseClock}: the pauses and the count of events held ({@link PauseBuffer} holds them);</li>
 *   <li>{@link PendingFrame}: the token frame being coalesced, and the request's coalescing policy;</li>
 *   <li>{@link TokenStatistics}: what the stream's statistics are computed from;</li>
 *   <li>{@link TenantShare}: the stream's share of its tenant's usage.</li>
 * </ul>
 * The stored format is JSON with a {@code format} version ({@link #FORMAT}); each part's JSON names are set by
 * annotation, so renaming a Java field changes nothing stored. {@link StreamProgressSerde} reads every earlier
 * format, so a processor of this build takes over the running streams of one of the previous build (a rolling
 * upgrade); changing a stored name or meaning is a new format with a test that the previous one is still read.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.NONE, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
@JsonPropertyOrder({"format", "lifecycle", "pause", "pending", "statistics", "tenant"})
public final class StreamProgress {

    /**
     * The stored format this build writes. 1: one flat object of 32 fields, no {@code format} (up to 2026-12-02,
     * read by {@link StreamProgressV1}); 2: the parts below.
     */
    public static final int FORMAT = 2;

    @JsonProperty(value = "format", access = JsonProperty.Access.READ_ONLY)
    private final int format = FORMAT;
    @JsonProperty("lifecycle")
    private final Lifecycle lifecycle;
    @JsonProperty("pause")
    private final PauseClock pause;
    @JsonProperty("pending")
    private final PendingFrame pending;
    @JsonProperty("statistics")
    private final TokenStatistics statistics;
    @JsonProperty("tenant")
    private final TenantShare tenant;

    @JsonCreator
    StreamProgress(@JsonProperty("lifecycle") Lifecycle lifecycle, @JsonProperty("pause") PauseClock pause,
                   @JsonProperty("pending") PendingFrame pending,
                   @JsonProperty("statistics") TokenStatistics statistics,
                   @JsonProperty("tenant") TenantShare tenant) {
        this.lifecycle = Objects.requireNonNullElseGet(lifecycle, Lifecycle::new);
        this.pause = Objects.requireNonNullElseGet(pause, PauseClock::new);
        this.pending = Objects.requireNonNullElseGet(pending, PendingFrame::new);
        this.statistics = Objects.requireNonNullElseGet(statistics, TokenStatistics::new);
        this.tenant = Objects.requireNonNullElseGet(tenant, TenantShare::new);
    }

    /** @return a stream of which nothing is known yet, requested at {@code nowMillis} (processor wall clock) */
    static StreamProgress requested(long nowMillis) {
        return new StreamProgress(Lifecycle.requested(nowMillis), null, null, null, null);
    }

    /**
     * A copy sharing nothing that changes: what {@link DecodedStates} keeps as written while the task goes on
     * changing the state it reads. Every part's fields are immutable values, so each part copies field by field.
     */
    StreamProgress copy() {
        return new StreamProgress(lifecycle.copy(), pause.copy(), pending.copy(), statistics.copy(), tenant.copy());
    }

    Lifecycle lifecycle() {
        return lifecycle;
    }

    PauseClock pause() {
        return pause;
    }

    PendingFrame pending() {
        return pending;
    }

    TokenStatistics statistics() {
        return statistics;
    }

    TenantShare tenant() {
        return tenant;
    }
}
