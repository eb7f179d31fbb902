package dev.tokenstream.processor.streams;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.Usage;
import org.HdrHistogram.IntCountsHistogram;

/**
 * What a stream's statistics are computed from ({@link StreamStatistics}): its provider and model, the times of its
 * request, upstream call, first and last token (ingest's clock, epoch microseconds), the output tokens counted, the
 * inter-token gaps and the usage the provider reported. Only this class changes these fields; their JSON names are
 * the changelog's format ({@link StreamProgress#FORMAT}).
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.NONE, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
final class TokenStatistics {

    @JsonProperty("provider")
    private String provider;
    @JsonProperty("model")
    private String model;
    @JsonProperty("acceptedAtMicros")
    private Long acceptedAtMicros;
    @JsonProperty("upstreamRequestAtMicros")
    private Long upstreamRequestAtMicros;
    @JsonProperty("firstTokenAtMicros")
    private Long firstTokenAtMicros;
    @JsonProperty("lastTokenAtMicros")
    private Long lastTokenAtMicros;
    @JsonProperty("tokenCount")
    private long tokenCount;
    /** Inter-token gaps in microseconds, an HdrHistogram in its compressed encoding. */
    @JsonProperty("itlHistogram")
    private byte[] itlHistogram;
    @JsonProperty("usage")
    private Usage usage;

    TokenStatistics() {
    }

    /** Format 1's fields, as {@link StreamProgressV1} read them. */
    static TokenStatistics of(String provider, String model, Long acceptedAtMicros, Long upstreamRequestAtMicros,
                              Long firstTokenAtMicros, Long lastTokenAtMicros, long tokenCount, byte[] itlHistogram,
                              Usage usage) {
        TokenStatistics statistics = new TokenStatistics();
        statistics.provider = provider;
        statistics.model = model;
        statistics.acceptedAtMicros = acceptedAtMicros;
        statistics.upstreamRequestAtMicros = upstreamRequestAtMicros;
        statistics.firstTokenAtMicros = firstTokenAtMicros;
        statistics.lastTokenAtMicros = lastTokenAtMicros;
        statistics.tokenCount = tokenCount;
        statistics.itlHistogram = itlHistogram;
        statistics.usage = usage;
        return statistics;
    }

    /** @return a copy that changes apart from this one (the compressed histogram is replaced, never changed) */
    TokenStatistics copy() {
        return of(provider, model, acceptedAtMicros, upstreamRequestAtMicros, firstTokenAtMicros, lastTokenAtMicros,
                tokenCount, itlHistogram, usage);
    }

    /** Takes the stream's provider, model and times from ingest's started event. */
    void started(TokenEvent started) {
        provider = started.provider();
        model = started.model();
        acceptedAtMicros = started.acceptedAtMicros();
        upstreamRequestAtMicros = started.upstreamRequestAtMicros();
    }

    /** A newer attempt called the provider again at {@code atMicros}. */
    void upstreamRequested(Long atMicros) {
        upstreamRequestAtMicros = atMicros;
    }

    /**
     * Counts one token that ingest received at {@code emittedAtMicros} and records its gap to the previous one in
     * {@code itl}, the stream's inter-token histogram as the caller keeps it decoded ({@link #storeItl} writes it
     * back).
     */
    void recordToken(long emittedAtMicros, IntCountsHistogram itl) {
        tokenCount++;
        if (firstTokenAtMicros == null) {
            firstTokenAtMicros = emittedAtMicros;
        } else if (lastTokenAtMicros != null) {
            itl.recordValue(StreamStatistics.clampGapMicros(emittedAtMicros - lastTokenAtMicros));
        }
        lastTokenAtMicros = emittedAtMicros;
    }

    /** Writes {@code itl} back, compressed (what the store and the statistics read). */
    void storeItl(IntCountsHistogram itl) {
        itlHistogram = StreamStatistics.encode(itl);
    }

    /** The usage the provider reported (with the stream's end, or with ingest's late cancelled event). */
    void usage(Usage reported) {
        usage = reported;
    }

    String provider() {
        return provider;
    }

    String model() {
        return model;
    }

    Long acceptedAtMicros() {
        return acceptedAtMicros;
    }

    Long upstreamRequestAtMicros() {
        return upstreamRequestAtMicros;
    }

    Long firstTokenAtMicros() {
        return firstTokenAtMicros;
    }

    Long lastTokenAtMicros() {
        return lastTokenAtMicros;
    }

    long tokenCount() {
        return tokenCount;
    }

    byte[] itlHistogram() {
        return itlHistogram;
    }

    Usage usage() {
        return usage;
    }
}
