package dev.tokenstream.events;

/**
 * One provider and model in one minute (a tumbling window, by the processor's clock), on
 * {@link Topics#MODEL_STATS} keyed {@code provider/model@windowStartMillis} (compacted: the latest record of a
 * window is its final count) and from {@code GET /v1/models/stats}. Percentiles from HdrHistogram; null when
 * the window had no sample of that kind.
 *
 * @param provider           provider name
 * @param model              model name
 * @param windowStartMillis  the window's start, epoch milliseconds (inclusive)
 * @param windowEndMillis    the window's end, epoch milliseconds (exclusive)
 * @param started            streams that started
 * @param completed          streams that completed
 * @param failed             streams that failed
 * @param cancelled          streams that were cancelled
 * @param ttftP50Millis      time to first token from acceptance, median of the window's first tokens
 * @param ttftP95Millis      ditto, 95th percentile
 * @param itlP50Millis       inter-token latency over every gap of the streams that ended in the window, median
 * @param itlP95Millis       ditto, 95th percentile
 * @param itlP99Millis       ditto, 99th percentile
 * @param tokensPerSecond    mean decode rate of the streams that ended in the window
 * @param outputTokens       output tokens of the streams that ended in the window
 */
public record ModelStats(String provider, String model, long windowStartMillis, long windowEndMillis, long started,
                         long completed, long failed, long cancelled, Double ttftP50Millis, Double ttftP95Millis,
                         Double itlP50Millis, Double itlP95Millis, Double itlP99Millis, Double tokensPerSecond,
                         long outputTokens) {
}
