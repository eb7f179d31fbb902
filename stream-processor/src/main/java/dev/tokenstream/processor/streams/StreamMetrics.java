package dev.tokenstream.processor.streams;

import dev.tokenstream.events.StreamState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The processor's stream metrics, in Prometheus as:
 * <ul>
 *   <li>{@code tokenstream_streams_started_total} and {@code tokenstream_streams_ended_total} (tag {@code state}:
 *   completed, failed or cancelled);</li>
 *   <li>{@code tokenstream_streams_active}: streams started or paused in this instance's tasks, counted by the
 *   sweep of the state store (so at most one sweep interval old);</li>
 *   <li>{@code gen_ai_server_time_to_first_token_seconds}: request accepted to first token, and
 *   {@code gen_ai_server_time_per_output_token_seconds}: the gap before each later token, both on ingest's clock
 *   (OpenTelemetry GenAI server conventions, https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-metrics/);</li>
 *   <li>{@code tokenstream_stream_tokens_per_second}: each finished stream's decode rate;</li>
 *   <li>{@code tokenstream_dlq_records_total}: records sent to the dead-letter topic, by source topic.</li>
 * </ul>
 * Stream meters carry {@code gen_ai_operation_name=chat}, {@code gen_ai_provider_name} and
 * {@code gen_ai_request_model}. Histograms publish buckets so percentiles aggregate across instances.
 */
public final class StreamMetrics {

    private static final String UNKNOWN = "unknown";

    private final MeterRegistry registry;
    /**
     * The inter-token timer of each model, looked up once: building its id and tags for every token showed in the
     * processor's profile at 100 streams (JFR, 2026-12-02: a fifth of its Micrometer samples, which were 10 % of all;
     * the rest is the Kafka client metrics binder).
     */
    private final Map<ModelKey, Timer> interTokenTimers = new ConcurrentHashMap<>();
    /** Active streams per state-machine instance (one per task), summed by the gauge. */
    private final Map<Object, Integer> activeByTask = new ConcurrentHashMap<>();

    public StreamMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("tokenstream.streams.active", activeByTask,
                        counts -> counts.values().stream().mapToInt(Integer::intValue).sum())
                .description("Streams started or paused in this instance's tasks").register(registry);
    }

    void started(String provider, String model) {
        Counter.builder("tokenstream.streams.started").description("Streams that started")
                .tags(tags(provider, model)).register(registry).increment();
    }

    void firstToken(String provider, String model, long ttftMicros) {
        timer("gen_ai.server.time_to_first_token", "Time from the accepted request to the first token",
                provider, model).record(Duration.ofNanos(ttftMicros * 1000));
    }

    void nextToken(String provider, String model, long gapMicros) {
        interTokenTimers.computeIfAbsent(new ModelKey(provider, model), key -> timer(
                "gen_ai.server.time_per_output_token", "Time between consecutive output tokens", provider,
                model)).record(gapMicros, TimeUnit.MICROSECONDS);
    }

    void ended(String provider, String model, StreamState state, Double tokensPerSecond) {
        Counter.builder("tokenstream.streams.ended").description("Streams that ended, by final state")
                .tags(tags(provider, model).and("state", state.name().toLowerCase(Locale.ROOT))).register(registry)
                .increment();
        if (tokensPerSecond != null) {
            DistributionSummary.builder("tokenstream.stream.tokens_per_second")
                    .description("Decode rate of each finished stream").tags(tags(provider, model))
                    .publishPercentileHistogram().minimumExpectedValue(1.0).maximumExpectedValue(10_000.0)
                    .register(registry).record(tokensPerSecond);
        }
    }

    void active(Object task, int count) {
        activeByTask.put(task, count);
    }

    void closed(Object task) {
        activeByTask.remove(task);
    }

    void deadLettered(String sourceTopic) {
        deadLettered(registry, sourceTopic);
    }

    /** Counts one record sent to the dead-letter topic from {@code sourceTopic} in {@code registry}. */
    static void deadLettered(MeterRegistry registry, String sourceTopic) {
        Counter.builder("tokenstream.dlq.records").description("Records sent to the dead-letter topic")
                .tag("topic", sourceTopic == null ? UNKNOWN : sourceTopic).register(registry).increment();
    }

    private Timer timer(String name, String description, String provider, String model) {
        return Timer.builder(name).description(description).tags(tags(provider, model)).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
    }

    private record ModelKey(String provider, String model) {
    }

    private static Tags tags(String provider, String model) {
        return Tags.of("gen_ai.operation.name", "chat", "gen_ai.provider.name", provider == null ? UNKNOWN : provider,
                "gen_ai.request.model", model == null ? UNKNOWN : model);
    }
}
