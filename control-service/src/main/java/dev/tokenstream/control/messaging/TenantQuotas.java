package dev.tokenstream.control.messaging;

import dev.tokenstream.api.ProcessorApi;
import dev.tokenstream.control.config.ControlConfig;
import dev.tokenstream.control.problem.ProblemException;
import dev.tokenstream.control.problem.ProblemException.Reason;
import dev.tokenstream.events.TenantUsage;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.rest.client.inject.RestClient;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Holds a start against its tenant's quotas ({@code control.quotas}): running streams, requests and output tokens
 * per one-minute window, as the processor counts them for every instance (its {@code GET /v1/tenants/{t}/usage}).
 * Over a limit: 429 problem details with {@code Retry-After} (1 s for running streams, the rest of the window for
 * the per-minute ones).
 * <p>
 * A reading of a tenant's usage serves its starts for {@code control.quotas.usage-max-age} (1 s): the starts this
 * instance admits meanwhile are added to it, and concurrent starts share one query. So a start costs no round trip
 * for its quota (the processor's HTTP threads, answering this query and the idempotency key's, were a third of its
 * samples in a burst of starts: JFR, 2026-12-07), and a burst on one instance is counted as it goes rather than
 * passing a limit by its size. What the reading cannot know: streams
 * that ended since (a freed slot shows up to the max age late, within the 1 s {@code Retry-After}) and starts on
 * other instances since (they pass a limit by at most what those instances admit in one max age). While the
 * processor cannot answer, starts are let through (logged once per reading): a restarting processor must not stop
 * every tenant.
 */
@ApplicationScoped
public class TenantQuotas {

    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(2);

    private final ProcessorApi processor;
    private final ControlConfig.Quotas quotas;
    private final long maxAgeNanos;
    private final LongSupplier nanoTime;
    private final Map<String, Reading> readings = new ConcurrentHashMap<>();

    @Inject
    public TenantQuotas(@RestClient ProcessorApi processor, ControlConfig config) {
        this(processor, config, System::nanoTime);
    }

    /** @param nanoTime the clock readings age by ({@link System#nanoTime()}; tests pass their own) */
    TenantQuotas(ProcessorApi processor, ControlConfig config, LongSupplier nanoTime) {
        this.processor = processor;
        this.quotas = config.quotas();
        this.maxAgeNanos = config.quotas().usageMaxAge().toNanos();
        this.nanoTime = nanoTime;
    }

    /**
     * One answer of the processor for a tenant, shared by the starts within its max age.
     *
     * @param usage    the answer (null when the processor could not answer), memoized: one query however many ask
     * @param admitted streams this instance admitted since the query was sent
     */
    private record Reading(Uni<TenantUsage> usage, long atNanos, AtomicInteger admitted) {
    }

    /**
     * @param tenant  whose start it is
     * @param streams how many streams the start makes (a merge group: one per target)
     * @return a Uni that fails with 429 {@link ProblemException} when the start would pass a limit
     */
    public Uni<Void> admit(String tenant, int streams) {
        ControlConfig.Limits limits = quotas.of(tenant);
        Reading reading = reading(tenant);
        return reading.usage().map(usage -> {
            // Counted before the check, so two starts checked at once cannot both take the last slot.
            int before = reading.admitted().getAndAdd(streams);
            if (usage != null) {
                try {
                    check(usage, before, limits, streams);
                } catch (ProblemException e) {
                    reading.admitted().addAndGet(-streams);
                    throw e;
                }
            }
            return null;
        });
    }

    private Reading reading(String tenant) {
        long now = nanoTime.getAsLong();
        return readings.compute(tenant, (key, current) -> current != null && now - current.atNanos() < maxAgeNanos
                ? current : new Reading(query(key), now, new AtomicInteger()));
    }

    private Uni<TenantUsage> query(String tenant) {
        return processor.usage(tenant)
                .ifNoItem().after(QUERY_TIMEOUT).fail()
                .onFailure().recoverWithItem(e -> {
                    Log.warnf("tenant %s: usage unknown (%s); starts let through", tenant, e.getMessage());
                    return null;
                })
                .memoize().indefinitely();
    }

    private static void check(TenantUsage usage, int admittedSince, ControlConfig.Limits limits, int streams) {
        long windowLeft = Math.max(1, (usage.windowStartMillis() + TenantUsage.WINDOW_MILLIS
                - System.currentTimeMillis() + 999) / 1000);
        long active = usage.activeStreams() + admittedSince;
        if (active + streams > limits.maxConcurrentStreams()) {
            throw new ProblemException(Reason.QUOTA_EXCEEDED, "tenant " + usage.tenant() + " runs "
                    + active + " streams; at most " + limits.maxConcurrentStreams()
                    + " at once: retry when one has ended", 1);
        }
        long requests = usage.requests() + admittedSince;
        if (requests + streams > limits.requestsPerMinute()) {
            throw new ProblemException(Reason.QUOTA_EXCEEDED, "tenant " + usage.tenant() + " started "
                    + requests + " streams this minute; at most " + limits.requestsPerMinute(), windowLeft);
        }
        if (usage.outputTokens() >= limits.outputTokensPerMinute()) {
            throw new ProblemException(Reason.QUOTA_EXCEEDED, "tenant " + usage.tenant() + " received "
                    + usage.outputTokens() + " output tokens this minute; at most " + limits.outputTokensPerMinute(),
                    windowLeft);
        }
    }
}
