package dev.tokenstream.ingest.provider;

import dev.tokenstream.events.Usage;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ingest's metrics of its provider calls, named after the OpenTelemetry GenAI client conventions
 * (https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-metrics/), in Prometheus as:
 * <ul>
 *   <li>{@code gen_ai_client_operation_duration_seconds}: one attempt's whole call, tagged {@code error_type} when
 *   it failed ({@code _none} otherwise; the failure reason's code, e.g. {@code rate_limited});</li>
 *   <li>{@code gen_ai_client_operation_time_to_first_chunk_seconds}: attempt start to the first content chunk;</li>
 *   <li>{@code gen_ai_client_operation_time_per_output_chunk_seconds}: the gap before each later content chunk;</li>
 *   <li>{@code gen_ai_client_token_usage}: the provider's reported input and output tokens per stream
 *   ({@code gen_ai_token_type} input or output);</li>
 *   <li>{@code tokenstream_ingest_upstream_active}: provider calls running on this instance now.</li>
 * </ul>
 * Every GenAI meter carries {@code gen_ai_operation_name=chat}, {@code gen_ai_provider_name} (the configured
 * provider, e.g. {@code openai}, {@code simulator}) and {@code gen_ai_request_model}. Histograms publish buckets,
 * so percentiles aggregate across instances ({@code histogram_quantile}).
 */
@ApplicationScoped
public class ProviderMetrics {

    private static final String NO_ERROR = "_none";

    private final MeterRegistry registry;
    private final AtomicInteger active = new AtomicInteger();

    public ProviderMetrics(MeterRegistry registry) {
        this.registry = registry;
        registry.gauge("tokenstream.ingest.upstream.active", Tags.empty(), active);
    }

    /** @return the recorder of one attempt at calling {@code provider} for {@code model}, started now */
    Attempt attempt(String provider, String model) {
        return new Attempt(Tags.of("gen_ai.operation.name", "chat", "gen_ai.provider.name", provider,
                "gen_ai.request.model", model == null ? "" : model));
    }

    /**
     * One call to a provider: its clock, its first and later chunks, its end. Used by one thread. Its chunk timer is
     * looked up once, not per chunk: the registry's lookup (a meter id built, its tags sorted, a map read) was 5 % of
     * the workers' samples at 100 streams (JFR, 2026-12-07).
     */
    final class Attempt {

        private final Tags tags;
        private final Timer perChunk;
        private final long startNanos = System.nanoTime();
        private long lastChunkNanos;
        private boolean ended;

        private Attempt(Tags tags) {
            this.tags = tags;
            this.perChunk = timer("gen_ai.client.operation.time_per_output_chunk",
                    "Time between consecutive output chunks", tags);
            active.incrementAndGet();
        }

        /** A content chunk (text, reasoning or a tool-call fragment) arrived now. */
        void chunk() {
            long now = System.nanoTime();
            if (lastChunkNanos == 0) {
                timer("gen_ai.client.operation.time_to_first_chunk", "Time from the request to the first chunk",
                        tags).record(Duration.ofNanos(now - startNanos));
            } else {
                perChunk.record(now - lastChunkNanos, TimeUnit.NANOSECONDS);
            }
            lastChunkNanos = now;
        }

        /**
         * Ends the attempt: its duration, and the usage the provider reported (when it did).
         *
         * @param errorType the failure reason's code, or null when the call succeeded or was cancelled
         */
        void end(String errorType, Usage usage) {
            if (ended) {
                return;
            }
            ended = true;
            active.decrementAndGet();
            timer("gen_ai.client.operation.duration", "GenAI operation duration",
                    tags.and("error.type", errorType == null ? NO_ERROR : errorType))
                    .record(Duration.ofNanos(System.nanoTime() - startNanos));
            if (usage != null) {
                tokens("input", usage.inputTokens());
                tokens("output", usage.outputTokens());
            }
        }

        private void tokens(String type, Long count) {
            if (count != null) {
                DistributionSummary.builder("gen_ai.client.token.usage").description("Tokens used per stream")
                        .tags(tags.and("gen_ai.token.type", type)).publishPercentileHistogram()
                        .register(registry).record(count);
            }
        }
    }

    private Timer timer(String name, String description, Tags tags) {
        return Timer.builder(name).description(description).tags(tags).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
    }
}
