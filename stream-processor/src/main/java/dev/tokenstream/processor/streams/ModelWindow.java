package dev.tokenstream.processor.streams;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import dev.tokenstream.events.ModelSample;
import dev.tokenstream.events.ModelStats;
import org.HdrHistogram.IntCountsHistogram;

/**
 * One provider and model in one window, as it accumulates: counts, and time to first token and inter-token
 * latency as HdrHistograms of microseconds (compressed, so the window store holds a few hundred bytes).
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY,
        getterVisibility = JsonAutoDetect.Visibility.NONE, isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class ModelWindow {

    long started;
    long completed;
    long failed;
    long cancelled;
    byte[] ttft;
    byte[] itl;
    double tokensPerSecondSum;
    long tokensPerSecondCount;
    long outputTokens;

    /** @return this window with {@code sample} counted */
    ModelWindow add(ModelSample sample) {
        switch (sample.kind()) {
            case STARTED -> started++;
            case FIRST_TOKEN -> {
                IntCountsHistogram histogram = StreamStatistics.decode(ttft);
                histogram.recordValue(StreamStatistics.clampMicros(Math.round(sample.ttftMillis() * 1000)));
                ttft = StreamStatistics.encode(histogram);
            }
            case ENDED -> {
                switch (sample.state()) {
                    case COMPLETED -> completed++;
                    case FAILED -> failed++;
                    default -> cancelled++;
                }
                if (sample.tokensPerSecond() != null) {
                    tokensPerSecondSum += sample.tokensPerSecond();
                    tokensPerSecondCount++;
                }
                outputTokens += sample.outputTokens();
                if (sample.itlHistogram() != null) {
                    IntCountsHistogram histogram = StreamStatistics.decode(itl);
                    histogram.add(StreamStatistics.decode(sample.itlHistogram()));
                    itl = StreamStatistics.encode(histogram);
                }
            }
            default -> throw new IllegalArgumentException("unknown sample kind " + sample.kind());
        }
        return this;
    }

    /** @return the window's statistics under {@code key} ({@code provider/model}) */
    ModelStats toStats(String key, long startMillis, long endMillis) {
        int slash = key.indexOf('/');
        IntCountsHistogram ttftHistogram = ttft == null ? null : StreamStatistics.decode(ttft);
        IntCountsHistogram itlHistogram = itl == null ? null : StreamStatistics.decode(itl);
        return new ModelStats(key.substring(0, slash), key.substring(slash + 1), startMillis, endMillis, started,
                completed, failed, cancelled, millis(ttftHistogram, 50), millis(ttftHistogram, 95),
                millis(itlHistogram, 50), millis(itlHistogram, 95), millis(itlHistogram, 99),
                tokensPerSecondCount == 0 ? null : tokensPerSecondSum / tokensPerSecondCount, outputTokens);
    }

    private static Double millis(IntCountsHistogram histogram, double percentile) {
        return histogram == null || histogram.getTotalCount() == 0 ? null
                : histogram.getValueAtPercentile(percentile) / 1000.0;
    }
}
