package dev.tokenstream.processor.streams;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import dev.tokenstream.events.TenantSample;
import dev.tokenstream.events.TenantUsage;

import java.util.HashMap;
import java.util.Map;

/**
 * One tenant's usage as the processor adds it up from {@link TenantSample}s (the {@link
 * StreamTopology#TENANT_USAGE_STORE}, changelogged): its running streams by id (a set, so a sample read twice after
 * a crash counts once) and the counts of the current one-minute window (requests, output tokens; a sample read again
 * after a crash may count twice in them, which errs on the strict side).
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY,
        getterVisibility = JsonAutoDetect.Visibility.NONE, isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class TenantWindow {

    /** A running stream whose end never came (a lost sample) stops counting after this. */
    static final long FORGET_AFTER_MILLIS = 24 * 3_600_000L;

    /** Running streams: id to when it was requested, epoch milliseconds. */
    Map<String, Long> active = new HashMap<>();
    long windowStartMillis;
    int requests;
    long outputTokens;

    /** Adds {@code sample}; samples of a window that has passed change only the running streams. */
    TenantWindow add(TenantSample sample) {
        long window = sample.atMillis() - sample.atMillis() % TenantUsage.WINDOW_MILLIS;
        if (window > windowStartMillis) {
            windowStartMillis = window;
            requests = 0;
            outputTokens = 0;
        }
        boolean current = window == windowStartMillis;
        switch (sample.kind()) {
            case REQUESTED -> {
                if (active.put(sample.streamId(), sample.atMillis()) == null && current) {
                    requests++;
                }
            }
            case TOKENS -> outputTokens += current ? sample.outputTokens() : 0;
            case ENDED -> active.remove(sample.streamId());
        }
        active.values().removeIf(requestedAt -> sample.atMillis() - requestedAt > FORGET_AFTER_MILLIS);
        return this;
    }

    /** @return the usage at {@code nowMillis}: a window that has passed counts as empty */
    TenantUsage usage(String tenant, long nowMillis) {
        TenantUsage none = TenantUsage.none(tenant, nowMillis);
        boolean current = none.windowStartMillis() == windowStartMillis;
        return new TenantUsage(tenant, active.size(), none.windowStartMillis(), current ? requests : 0,
                current ? outputTokens : 0);
    }
}
