package dev.tokenstream.processor.streams;

import dev.tokenstream.events.StreamStats;
import org.HdrHistogram.IntCountsHistogram;

import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;

/**
 * Statistics of one stream, measured on ingest's clock (when the provider's bytes arrived): time to first token,
 * inter-token latency percentiles (HdrHistogram, microsecond resolution, 2 significant digits), tokens per
 * second, counts, durations. Names follow docs/design.md and the OpenTelemetry GenAI conventions' notions of time to
 * first chunk and time per output chunk.
 */
final class StreamStatistics {

    /** Longest inter-token gap recorded exactly: 10 minutes in microseconds; longer gaps are clamped. */
    private static final long MAX_GAP_MICROS = 600_000_000L;
    private static final int SIGNIFICANT_DIGITS = 2;

    private StreamStatistics() {
    }

    /** @return {@code micros} within what the histograms record exactly (1 µs to 10 minutes) */
    static long clampMicros(long micros) {
        return Math.max(1, Math.min(MAX_GAP_MICROS, micros));
    }

    /** @return an inter-token gap within what the histograms record: 0 to 10 minutes, in microseconds */
    static long clampGapMicros(long micros) {
        return Math.max(0, Math.min(MAX_GAP_MICROS, micros));
    }

    /** @return the stream's statistics now, its inter-token histogram decoded from the stored progress */
    static StreamStats of(String id, StreamProgress progress, long nowMicros) {
        byte[] stored = progress.statistics().itlHistogram();
        return of(id, progress, stored == null ? null : decode(stored), nowMicros);
    }

    /**
     * @param itl the stream's inter-token histogram as the caller holds it decoded (the same as the stored one),
     *            or null when it has none
     * @return the stream's statistics now
     */
    static StreamStats of(String id, StreamProgress progress, IntCountsHistogram itl, long nowMicros) {
        Lifecycle lifecycle = progress.lifecycle();
        TokenStatistics p = progress.statistics();
        Double ttft = millisBetween(p.acceptedAtMicros(), p.firstTokenAtMicros());
        Double upstreamTtft = millisBetween(p.upstreamRequestAtMicros(), p.firstTokenAtMicros());
        Double p50 = null;
        Double p95 = null;
        Double max = null;
        if (itl != null && itl.getTotalCount() > 0) {
            p50 = itl.getValueAtPercentile(50) / 1000.0;
            p95 = itl.getValueAtPercentile(95) / 1000.0;
            max = itl.getMaxValue() / 1000.0;
        }
        Double tokensPerSecond = null;
        if (p.tokenCount() > 1 && p.lastTokenAtMicros() > p.firstTokenAtMicros()) {
            // Decode rate: the tokens after the first over the time they took.
            tokensPerSecond = (p.tokenCount() - 1) * 1_000_000.0 / (p.lastTokenAtMicros() - p.firstTokenAtMicros());
        }
        Double duration = millisBetween(p.acceptedAtMicros(), lifecycle.endedAtMicros());
        return new StreamStats(id, lifecycle.state(), p.provider(), p.model(), p.acceptedAtMicros(), ttft,
                upstreamTtft, p50, p95, max, tokensPerSecond, p.tokenCount(), p.usage(), duration,
                progress.pause().pausedMillis(nowMicros), lifecycle.finishReason(), lifecycle.error(), nowMicros,
                progress.tenant().tenant());
    }

    private static Double millisBetween(Long fromMicros, Long toMicros) {
        return fromMicros == null || toMicros == null ? null : (toMicros - fromMicros) / 1000.0;
    }

    static IntCountsHistogram decode(byte[] encoded) {
        if (encoded == null) {
            return new IntCountsHistogram(1, MAX_GAP_MICROS, SIGNIFICANT_DIGITS);
        }
        try {
            return IntCountsHistogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(encoded), 1);
        } catch (DataFormatException e) {
            throw new IllegalStateException("corrupt inter-token latency histogram", e);
        }
    }

    static byte[] encode(IntCountsHistogram histogram) {
        ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        byte[] bytes = new byte[length];
        buffer.rewind();
        buffer.get(bytes);
        return bytes;
    }
}
