package dev.tokenstream.replay;

import dev.tokenstream.events.ControlAction;
import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.Usage;
import org.HdrHistogram.Histogram;

import java.util.List;
import java.util.Locale;

/**
 * The timing of a recorded stream, from its events' timestamps (ingest's clock, when the provider's bytes
 * arrived) and its control commands. Times in milliseconds; null when the recording does not tell.
 *
 * @param streamId           the stream
 * @param provider           provider name
 * @param model              model name
 * @param end                how it ended: completed, failed, cancelled, or null when the recording stops before
 * @param finishReason       the provider's finish reason
 * @param tokens             token events
 * @param characters         characters of answer text
 * @param ttftMillis         time to first token from request accepted
 * @param upstreamTtftMillis time to first token from the upstream request
 * @param itlP50Millis       inter-token latency, 50th percentile
 * @param itlP95Millis       inter-token latency, 95th percentile
 * @param itlP99Millis       inter-token latency, 99th percentile
 * @param itlMaxMillis       largest inter-token gap
 * @param tokensPerSecond    tokens after the first over the time they took
 * @param durationMillis     request accepted to the last event
 * @param pauses             pause commands
 * @param pausedMillis       time between each pause and the resume or cancel after it
 * @param usage              usage the provider reported
 */
public record StreamSummary(String streamId, String provider, String model, String end, String finishReason,
                            int tokens, int characters, Double ttftMillis, Double upstreamTtftMillis,
                            Double itlP50Millis, Double itlP95Millis, Double itlP99Millis, Double itlMaxMillis,
                            Double tokensPerSecond, Double durationMillis, int pauses, double pausedMillis,
                            Usage usage) {

    /** @return the summary of {@code stream} */
    public static StreamSummary of(RecordedStream stream) {
        List<RecordedEvent> tokens = stream.tokens();
        TokenEvent started = stream.started().orElse(null);
        TokenEvent end = stream.end().orElse(null);
        Long first = tokens.isEmpty() ? null : tokens.get(0).event().emittedAtMicros();
        Long last = tokens.isEmpty() ? null : tokens.get(tokens.size() - 1).event().emittedAtMicros();
        var histogram = new Histogram(3);
        for (int i = 1; i < tokens.size(); i++) {
            histogram.recordValue(Math.max(0, tokens.get(i).event().emittedAtMicros()
                    - tokens.get(i - 1).event().emittedAtMicros()));
        }
        boolean gaps = histogram.getTotalCount() > 0;
        Long accepted = started == null ? null : started.acceptedAtMicros();
        long lastEvent = stream.events().get(stream.events().size() - 1).event().emittedAtMicros();
        int pauses = 0;
        double paused = 0;
        Long pausedAt = null;
        for (ControlCommand command : stream.commands()) {
            if (command.action() == ControlAction.PAUSE && pausedAt == null) {
                pauses++;
                pausedAt = command.issuedAtMicros();
            } else if (command.action() != ControlAction.PAUSE && pausedAt != null) {
                paused += (command.issuedAtMicros() - pausedAt) / 1000.0;
                pausedAt = null;
            }
        }
        return new StreamSummary(stream.streamId(), started == null ? null : started.provider(),
                started == null ? null : started.model(), end == null ? null : end.kind().name().toLowerCase(Locale.ROOT),
                end == null ? null : end.finishReason(), tokens.size(), stream.text().length(),
                between(accepted, first), between(started == null ? null : started.upstreamRequestAtMicros(), first),
                gaps ? histogram.getValueAtPercentile(50) / 1000.0 : null,
                gaps ? histogram.getValueAtPercentile(95) / 1000.0 : null,
                gaps ? histogram.getValueAtPercentile(99) / 1000.0 : null,
                gaps ? histogram.getMaxValue() / 1000.0 : null,
                tokens.size() > 1 && last > first ? (tokens.size() - 1) * 1_000_000.0 / (last - first) : null,
                between(accepted, lastEvent), pauses, paused, end == null ? null : end.usage());
    }

    private static Double between(Long fromMicros, Long toMicros) {
        return fromMicros == null || toMicros == null ? null : (toMicros - fromMicros) / 1000.0;
    }
}
