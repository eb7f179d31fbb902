package dev.tokenstream.cli;

import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.StreamStats;
import dev.tokenstream.replay.StreamLog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code export --since <time>}: the statistics of every stream accepted since then, one row per stream. */
@Command(name = "export", description = "Export per-stream statistics of a time range as JSON Lines or CSV.")
final class ExportCommand implements Callable<Integer> {

    static final List<String> COLUMNS = List.of("streamId", "state", "provider", "model", "acceptedAt", "ttftMillis",
            "upstreamTtftMillis", "itlP50Millis", "itlP95Millis", "itlMaxMillis", "tokensPerSecond", "outputTokens",
            "inputTokens", "reportedOutputTokens", "durationMillis", "pausedMillis", "finishReason", "errorCode");

    @ParentCommand
    TokenstreamCli cli;

    @Spec
    CommandSpec spec;

    @Option(names = "--since", required = true,
            description = "an instant (2026-11-22T10:00:00Z) or a time ago (30m, 2h, 7d, PT90M)")
    String since;

    @Option(names = "--provider", description = "only this provider")
    String provider;

    @Option(names = "--model", description = "only this model")
    String model;

    @Option(names = "--state", description = "only streams in this state (${COMPLETION-CANDIDATES})")
    StreamState state;

    @Option(names = "--format", defaultValue = "JSONL", description = "jsonl or csv (default: jsonl)")
    Rows.Format format;

    @Override
    public Integer call() {
        long sinceMicros;
        try {
            sinceMicros = parseSince(since, Instant.now()).toEpochMilli() * 1000;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Map<String, StreamStats> all;
        try (var log = new StreamLog(cli.bootstrapServers())) {
            all = log.allStats();
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (StreamStats s : all.values()) {
            if (s.acceptedAtMicros() == null || s.acceptedAtMicros() < sinceMicros
                    || (provider != null && !provider.equals(s.provider()))
                    || (model != null && !model.equals(s.model()))
                    || (state != null && state != s.state())) {
                continue;
            }
            Map<String, Object> row = Rows.row();
            row.put("streamId", s.streamId());
            row.put("state", s.state());
            row.put("provider", s.provider());
            row.put("model", s.model());
            row.put("acceptedAt", Instant.ofEpochMilli(s.acceptedAtMicros() / 1000).toString());
            row.put("ttftMillis", s.ttftMillis());
            row.put("upstreamTtftMillis", s.upstreamTtftMillis());
            row.put("itlP50Millis", s.itlP50Millis());
            row.put("itlP95Millis", s.itlP95Millis());
            row.put("itlMaxMillis", s.itlMaxMillis());
            row.put("tokensPerSecond", s.tokensPerSecond());
            row.put("outputTokens", s.outputTokens());
            row.put("inputTokens", s.usage() == null ? null : s.usage().inputTokens());
            row.put("reportedOutputTokens", s.usage() == null ? null : s.usage().outputTokens());
            row.put("durationMillis", s.durationMillis());
            row.put("pausedMillis", s.pausedMillis());
            row.put("finishReason", s.finishReason());
            row.put("errorCode", s.error() == null ? null : s.error().code());
            rows.add(row);
        }
        Rows.write(spec.commandLine().getOut(), format, COLUMNS, rows);
        return 0;
    }

    /** @return the instant {@code since} names: ISO-8601 instant, ISO duration ago, or {@code <n>s|m|h|d} ago */
    static Instant parseSince(String since, Instant now) {
        try {
            if (since.startsWith("P") || since.startsWith("p")) {
                return now.minus(Duration.parse(since));
            }
            if (since.matches("\\d+[smhd]")) {
                long n = Long.parseLong(since.substring(0, since.length() - 1));
                return now.minus(switch (since.charAt(since.length() - 1)) {
                    case 's' -> Duration.ofSeconds(n);
                    case 'm' -> Duration.ofMinutes(n);
                    case 'h' -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                });
            }
            return Instant.parse(since);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("--since must be an instant such as 2026-11-22T10:00:00Z or a time ago"
                    + " such as 30m, 2h, 7d or PT90M, not '" + since + "'");
        }
    }
}
