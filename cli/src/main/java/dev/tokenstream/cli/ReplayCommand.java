package dev.tokenstream.cli;

import dev.tokenstream.replay.RecordedEvent;
import dev.tokenstream.replay.RecordedStream;
import dev.tokenstream.replay.StreamLog;
import dev.tokenstream.replay.StreamSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code replay <streamId>}: reads a stream's token events back from Kafka and prints its text and timing; with
 * {@code --format} one row per event; with {@code --pace} the tokens again, at the recorded pace.
 */
@Command(name = "replay", description = "Read a stream back from Kafka: text and timing, rows per event, or the tokens at their recorded pace.")
final class ReplayCommand implements Callable<Integer> {

    static final List<String> COLUMNS = List.of("seq", "kind", "text", "emittedAtMicros", "partition", "offset",
            "gapMicros");

    @ParentCommand
    TokenstreamCli cli;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "STREAM_ID")
    String streamId;

    @Option(names = "--format", description = "jsonl or csv: one row per event (${COMPLETION-CANDIDATES})")
    Rows.Format format;

    @Option(names = "--pace", description = "re-emit the tokens at the recorded pace: original, <factor>x (2x, 0.5x) or max")
    String pace;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        Double speed;
        try {
            speed = pace == null ? null : speed(pace);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        RecordedStream stream;
        try (var log = new StreamLog(cli.bootstrapServers())) {
            stream = log.read(streamId);
        }
        if (format != null) {
            Rows.write(out, format, COLUMNS, rows(stream));
            return 0;
        }
        if (speed != null) {
            emit(out, stream, speed);
        } else {
            out.println(stream.text());
        }
        printSummary(out, stream);
        return 0;
    }

    static List<Map<String, Object>> rows(RecordedStream stream) {
        List<Map<String, Object>> rows = new ArrayList<>();
        Long previousToken = null;
        for (RecordedEvent recorded : stream.oneTokenEach()) {
            var event = recorded.event();
            Map<String, Object> row = Rows.row();
            row.put("seq", event.seq());
            row.put("kind", event.kind().name().toLowerCase(Locale.ROOT));
            row.put("text", event.text());
            row.put("emittedAtMicros", event.emittedAtMicros());
            row.put("partition", recorded.partition());
            row.put("offset", recorded.offset());
            if (event.text() != null) {
                row.put("gapMicros", previousToken == null ? null : event.emittedAtMicros() - previousToken);
                previousToken = event.emittedAtMicros();
            } else {
                row.put("gapMicros", null);
            }
            rows.add(row);
        }
        return rows;
    }

    private void emit(PrintWriter out, RecordedStream stream, double speed) throws InterruptedException {
        Long previous = null;
        for (RecordedEvent token : stream.tokens()) {
            long at = token.event().emittedAtMicros();
            if (previous != null && speed > 0) {
                TimeUnit.MICROSECONDS.sleep((long) ((at - previous) / speed));
            }
            previous = at;
            out.print(token.event().text());
            out.flush();
        }
        out.println();
    }

    static void printSummary(PrintWriter out, RecordedStream stream) {
        StreamSummary s = StreamSummary.of(stream);
        out.printf("%n-- stream %s (%s / %s), read from %s%n", s.streamId(), s.provider(), s.model(), stream.topic());
        out.printf("end          %s%s%n", s.end() == null ? "not recorded (still running, or cut off)" : s.end(),
                s.finishReason() == null ? "" : " (" + s.finishReason() + ")");
        out.printf("tokens       %d (%d characters)%n", s.tokens(), s.characters());
        out.printf("TTFT         %s from request accepted, %s from the upstream request%n", ms(s.ttftMillis()),
                ms(s.upstreamTtftMillis()));
        out.printf("ITL          p50 %s, p95 %s, p99 %s, max %s%n", ms(s.itlP50Millis()), ms(s.itlP95Millis()),
                ms(s.itlP99Millis()), ms(s.itlMaxMillis()));
        out.printf("tokens/s     %s%n", s.tokensPerSecond() == null ? "-" : String.format("%.1f", s.tokensPerSecond()));
        out.printf("duration     %s%n", ms(s.durationMillis()));
        out.printf("pauses       %d, %.0f ms paused%n", s.pauses(), s.pausedMillis());
        if (s.usage() != null) {
            out.printf("usage        input %s, output %s tokens (as reported)%n", orDash(s.usage().inputTokens()),
                    orDash(s.usage().outputTokens()));
        }
        out.flush();
    }

    /** @return the replay speed factor: 1 for original, the factor for {@code <f>x}, 0 for max */
    static double speed(String pace) {
        if (pace.equals("original")) {
            return 1;
        }
        if (pace.equals("max")) {
            return 0;
        }
        if (pace.endsWith("x")) {
            try {
                double factor = Double.parseDouble(pace.substring(0, pace.length() - 1));
                if (factor > 0) {
                    return factor;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new IllegalArgumentException("--pace must be original, max or a factor such as 2x or 0.5x, not '"
                + pace + "'");
    }

    static String orDash(Object value) {
        return value == null ? "-" : value.toString();
    }

    static String ms(Double millis) {
        return millis == null ? "-" : String.format("%.1f ms", millis);
    }
}
