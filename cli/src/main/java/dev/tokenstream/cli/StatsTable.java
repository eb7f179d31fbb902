package dev.tokenstream.cli;

import dev.tokenstream.client.TokenstreamClient;
import dev.tokenstream.events.StreamStats;

import java.io.PrintStream;
import java.util.List;

/** Prints stream statistics as a table: TTFT, ITL p50/p95, tokens/s, token count, time paused, final state. */
final class StatsTable {

    private StatsTable() {
    }

    /**
     * One row.
     *
     * @param label  what the row is called
     * @param status the stream's status
     */
    record Row(String label, TokenstreamClient.Status status) {
    }

    static void print(PrintStream out, List<Row> rows) {
        out.printf("%-14s %-10s %10s %13s %9s %9s %9s %7s %9s  %s%n", "STREAM", "STATE", "TTFT", "TTFT(up)",
                "ITL p50", "ITL p95", "tokens/s", "tokens", "paused", "ID");
        for (Row row : rows) {
            StreamStats s = row.status().stats();
            out.printf("%-14s %-10s %10s %13s %9s %9s %9s %7s %9s  %s%n", row.label(), row.status().state(),
                    ms(s == null ? null : s.ttftMillis()), ms(s == null ? null : s.upstreamTtftMillis()),
                    ms(s == null ? null : s.itlP50Millis()), ms(s == null ? null : s.itlP95Millis()),
                    s == null || s.tokensPerSecond() == null ? "-" : String.format("%.1f", s.tokensPerSecond()),
                    s == null ? "-" : String.valueOf(s.outputTokens()),
                    s == null ? "-" : String.format("%.0f ms", s.pausedMillis()), row.status().streamId());
        }
        out.println("TTFT: from request accepted; TTFT(up): from the upstream request sent. ITL: inter-token latency.");
    }

    private static String ms(Double millis) {
        return millis == null ? "-" : String.format("%.1f ms", millis);
    }
}
