package dev.tokenstream.control.messaging;

import dev.tokenstream.api.ProcessorApi;
import dev.tokenstream.control.config.ControlConfig;
import dev.tokenstream.control.problem.ProblemException;
import dev.tokenstream.control.problem.ProblemException.Reason;
import dev.tokenstream.events.TenantUsage;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.rest.client.inject.RestClient;

import java.time.Duration;

/**
 * Holds a start against its tenant's quotas ({@code control.quotas}): running streams, requests and output tokens
 * per one-minute window, as the processor counts them for every instance (its {@code GET /v1/tenants/{t}/usage}).
 * Over a limit: 429 problem details with {@code Retry-After} (1 s for running streams, the rest of the window for
 * the per-minute ones). The count trails the starts by the processor's lag (milliseconds), so a burst of starts at
 * the same moment can pass a limit by the burst's size. While the processor cannot answer, starts are let through
 * (logged): a restarting processor must not stop every tenant.
 */
@ApplicationScoped
public class TenantQuotas {

    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(2);

    private final ProcessorApi processor;
    private final ControlConfig.Quotas quotas;

    public TenantQuotas(@RestClient ProcessorApi processor, ControlConfig config) {
        this.processor = processor;
        this.quotas = config.quotas();
    }

    /**
     * @param tenant  whose start it is
     * @param streams how many streams the start makes (a merge group: one per target)
     * @return a Uni that fails with 429 {@link ProblemException} when the start would pass a limit
     */
    public Uni<Void> admit(String tenant, int streams) {
        ControlConfig.Limits limits = quotas.of(tenant);
        return processor.usage(tenant)
                .ifNoItem().after(QUERY_TIMEOUT).fail()
                .onFailure().recoverWithItem(e -> {
                    Log.warnf("tenant %s: usage unknown (%s); start let through", tenant, e.getMessage());
                    return null;
                })
                .map(usage -> {
                    if (usage != null) {
                        check(usage, limits, streams);
                    }
                    return null;
                });
    }

    private static void check(TenantUsage usage, ControlConfig.Limits limits, int streams) {
        long windowLeft = Math.max(1, (usage.windowStartMillis() + TenantUsage.WINDOW_MILLIS
                - System.currentTimeMillis() + 999) / 1000);
        if (usage.activeStreams() + streams > limits.maxConcurrentStreams()) {
            throw new ProblemException(Reason.QUOTA_EXCEEDED, "tenant " + usage.tenant() + " runs "
                    + usage.activeStreams() + " streams; at most " + limits.maxConcurrentStreams()
                    + " at once: retry when one has ended", 1);
        }
        if (usage.requests() + streams > limits.requestsPerMinute()) {
            throw new ProblemException(Reason.QUOTA_EXCEEDED, "tenant " + usage.tenant() + " started "
                    + usage.requests() + " streams this minute; at most " + limits.requestsPerMinute(), windowLeft);
        }
        if (usage.outputTokens() >= limits.outputTokensPerMinute()) {
            throw new ProblemException(Reason.QUOTA_EXCEEDED, "tenant " + usage.tenant() + " received "
                    + usage.outputTokens() + " output tokens this minute; at most " + limits.outputTokensPerMinute(),
                    windowLeft);
        }
    }
}
