package dev.tokenstream.processor.streams;

import dev.tokenstream.events.ModelSample;
import dev.tokenstream.events.StreamStats;
import org.HdrHistogram.IntCountsHistogram;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Counts a stream's tokens into its {@link TokenStatistics} and publishes what they add up to: statistics records,
 * the model's samples, the tenant's samples ({@link TenantShare}) and the metrics. One per task.
 */
final class StreamStatisticsStep {

    private final StreamMetrics metrics;
    private final LongSupplier clockMillis;
    /**
     * Inter-token histograms of this task's running streams, decoded: compressing a histogram for every token
     * cost more than the rest of the token's processing. Written back into the stored progress with every
     * statistics record (every {@code stats-every-tokens} tokens and every change of state), so a restart loses
     * at most that many gaps of a stream's ITL, never a token.
     */
    private final Map<String, IntCountsHistogram> itl = new HashMap<>();

    StreamStatisticsStep(StreamMetrics metrics, LongSupplier clockMillis) {
        this.metrics = metrics;
        this.clockMillis = clockMillis;
    }

    /** A stream started: its metrics and its model's sample. */
    void started(StreamProgress progress, Emissions out) {
        TokenStatistics statistics = progress.statistics();
        metrics.started(statistics.provider(), statistics.model());
        sample(statistics, ModelSample.started(statistics.provider(), statistics.model()), out);
    }

    /** Counts a token that ingest received at {@code emittedAtMicros}, in the stream's statistics and the metrics. */
    void recordToken(String id, StreamProgress progress, long emittedAtMicros, Emissions out) {
        TokenStatistics statistics = progress.statistics();
        Long previous = statistics.lastTokenAtMicros();
        statistics.recordToken(emittedAtMicros,
                itl.computeIfAbsent(id, k -> StreamStatistics.decode(statistics.itlHistogram())));
        if (previous != null) {
            metrics.nextToken(statistics.provider(), statistics.model(), Math.max(0, emittedAtMicros - previous));
        } else if (statistics.acceptedAtMicros() != null) {
            long ttftMicros = Math.max(0, emittedAtMicros - statistics.acceptedAtMicros());
            metrics.firstToken(statistics.provider(), statistics.model(), ttftMicros);
            sample(statistics, ModelSample.firstToken(statistics.provider(), statistics.model(), ttftMicros / 1000.0),
                    out);
        }
    }

    /** Publishes the stream's statistics, with its tenant's new samples; a stream's end also ends its metrics. */
    StreamStats publish(String id, StreamProgress progress, Emissions out) {
        boolean ended = progress.lifecycle().isTerminal();
        IntCountsHistogram histogram = ended ? itl.remove(id) : itl.get(id);
        if (histogram != null) {
            progress.statistics().storeItl(histogram);
        }
        long nowMillis = clockMillis.getAsLong();
        // Decoding the histogram just stored again, to read its percentiles, was 9 % of the processor's samples
        // (JFR, 100 streams of sim-bench, 2026-12-07): the one held decoded is read instead.
        StreamStats stats = histogram != null ? StreamStatistics.of(id, progress, histogram, nowMillis * 1000)
                : StreamStatistics.of(id, progress, nowMillis * 1000);
        out.stats(stats);
        progress.tenant().unreported(id, progress.statistics().tokenCount(), ended, nowMillis)
                .forEach(out::tenantSample);
        return stats;
    }

    /** A stream ended: its metrics and its model's sample. */
    void ended(StreamProgress progress, StreamStats stats, Emissions out) {
        TokenStatistics statistics = progress.statistics();
        metrics.ended(statistics.provider(), statistics.model(), progress.lifecycle().state(),
                stats.tokensPerSecond());
        sample(statistics, ModelSample.ended(statistics.provider(), statistics.model(), progress.lifecycle().state(),
                stats.tokensPerSecond(), statistics.tokenCount(), statistics.itlHistogram()), out);
    }

    /** Forgets what is kept in memory of a stream whose state was dropped. */
    void forget(String id) {
        itl.remove(id);
    }

    /** A sample for the stream's model's windowed statistics (streams whose model is known). */
    private static void sample(TokenStatistics statistics, ModelSample sample, Emissions out) {
        if (statistics.provider() != null && statistics.model() != null) {
            out.sample(ModelSample.key(statistics.provider(), statistics.model()), sample);
        }
    }
}
