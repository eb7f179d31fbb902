package dev.tokenstream.processor.streams;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tokenstream.events.TenantSample;

import java.util.ArrayList;
import java.util.List;

/**
 * A stream's share of its tenant's usage: the tenant, the output tokens already reported to the tenant's window
 * ({@link TenantSample}) and whether its end was. Only this class changes these fields; their JSON names are the
 * changelog's format ({@link StreamProgress#FORMAT}).
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.NONE, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
final class TenantShare {

    /** The request's tenant; null for streams of no tenant. */
    @JsonProperty("tenant")
    private String tenant;
    @JsonProperty("tokensSampled")
    private long tokensSampled;
    @JsonProperty("endSampled")
    private boolean endSampled;

    TenantShare() {
    }

    /** Format 1's fields, as {@link StreamProgressV1} read them. */
    static TenantShare of(String tenant, long tokensSampled, boolean endSampled) {
        TenantShare share = new TenantShare();
        share.tenant = tenant;
        share.tokensSampled = tokensSampled;
        share.endSampled = endSampled;
        return share;
    }

    /** @return a copy that changes apart from this one */
    TenantShare copy() {
        return of(tenant, tokensSampled, endSampled);
    }

    /** Takes the tenant of the stream's request, or of ingest's started event; null leaves it as it is. */
    void tenant(String requestTenant) {
        if (requestTenant != null) {
            tenant = requestTenant;
        }
    }

    String tenant() {
        return tenant;
    }

    /**
     * What the tenant's usage has not heard yet of the stream: its new output tokens, and its end once it ended.
     *
     * @param tokenCount the stream's output tokens so far
     * @param ended      whether the stream ended
     * @param nowMillis  the processor's wall clock, epoch milliseconds
     * @return the samples, none for a stream of no tenant; each is reported once
     */
    List<TenantSample> unreported(String streamId, long tokenCount, boolean ended, long nowMillis) {
        List<TenantSample> samples = new ArrayList<>(2);
        if (tenant == null) {
            return samples;
        }
        if (tokenCount > tokensSampled) {
            samples.add(TenantSample.tokens(tenant, streamId, tokenCount - tokensSampled, nowMillis));
            tokensSampled = tokenCount;
        }
        if (ended && !endSampled) {
            samples.add(TenantSample.ended(tenant, streamId, nowMillis));
            endSampled = true;
        }
        return samples;
    }
}
