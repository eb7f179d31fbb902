package dev.tokenstream.bench;

import dev.tokenstream.events.serde.Json;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The benchmark's output: a table on the terminal, the same as JSON, and a PNG plot of the added latency per
 * token by concurrency, Tokenstream beside the direct relay.
 *
 * @param machine  what ran it: cores, JDK, OS
 * @param settings every setting of the run
 * @param results  each scenario, each system
 * @param control  control latency (Tokenstream); null when not measured
 * @param limits   the highest rate under the p99 bound, per system; empty when not searched
 * @param memory   what active streams hold in each process of the stack; null when not measured
 * @param fanOut   one stream read by many subscribers, through the relay's broadcaster and through Tokenstream; empty
 *                 when not measured
 * @param fastStream one stream at 3,000 tokens/s through each system (relay first); empty when not measured
 * @param idle     the stack's CPU with no stream open; null when not measured
 */
public record BenchReport(Map<String, Object> machine, Map<String, Object> settings,
                          List<Benchmark.Result> results, Benchmark.Control control, List<Benchmark.Limit> limits,
                          Benchmark.Memory memory, List<Benchmark.FanOut> fanOut, List<Benchmark.Result> fastStream,
                          Benchmark.Idle idle) {

    /** @return the machine this JVM runs on */
    public static Map<String, Object> thisMachine() {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        return machine;
    }

    /** Prints the table: one row per scenario and system, then Tokenstream's cost as a ratio to the relay. */
    public void print(PrintStream out) {
        out.println("machine: " + machine);
        out.println("settings: " + settings);
        out.printf("%-12s %7s %8s %7s %7s | %-28s | %-16s | %-16s | %9s%n", "system", "streams", "upstream",
                "tokens", "missing", "added latency ms p50/p95/p99/max", "1st token ms p50/p95", "Kafka+ ms p50/p99",
                "tokens/s");
        for (Benchmark.Result r : results) {
            out.println(row(r));
        }
        out.println("(upstream: most streams the simulator served at once; missing: tokens written but not received; "
                + "added latency: client receipt minus simulator write; Kafka+: client receipt minus ingest's "
                + "receipt, i.e. Kafka, processor and delivery)");
        for (Benchmark.Limit limit : limits) {
            var steps = new StringBuilder();
            limit.steps().forEach(step -> steps.append(String.format(Locale.ROOT, " %d: %.1f ms/%.0f tok/s;",
                    step.streams(), step.addedLatency().p99(), step.tokensPerSecond())));
            out.printf(Locale.ROOT, "highest rate with p99 added latency under %.0f ms, %s: %s (p99 by concurrent "
                            + "streams:%s)%n", limit.p99BoundMillis(), limit.system(), limit.best() == null
                            ? "none, one stream exceeds it" : String.format(Locale.ROOT, "%.0f tokens/s at %d streams",
                            limit.best().tokensPerSecond(), limit.best().streams()), steps);
        }
        if (memory != null) {
            out.printf("memory with %d streams open (live heap after a full collection, MiB, none open -> open, and "
                    + "KiB per stream; RSS MiB, none open -> open):%n", memory.streams());
            memory.processes().forEach((name, m) -> out.printf(Locale.ROOT, "  %-20s heap %s -> %s (%s KiB/stream), "
                    + "RSS %s -> %s%n", name, mib(m.liveHeapIdleMiB()), mib(m.liveHeapActiveMiB()),
                    mib(m.heapKiBPerStream()), mib(m.rssIdleMiB()), mib(m.rssActiveMiB())));
        }
        if (!fastStream.isEmpty()) {
            out.println("fast stream (one stream of " + Benchmark.RAPID + ", 3,000 tokens/s offered):");
            fastStream.forEach(r -> out.println(row(r)));
        }
        fanOut.forEach(f -> out.println(fanOut(f)));
        if (fanOut.size() == 2) {
            out.printf(Locale.ROOT, "fan-out: Tokenstream/broadcaster added latency p50 %.1fx, p99 %.1fx%n",
                    ratio(fanOut.get(1).addedLatency().p50(), fanOut.get(0).addedLatency().p50()),
                    ratio(fanOut.get(1).addedLatency().p99(), fanOut.get(0).addedLatency().p99()));
        }
        if (control != null) {
            out.printf(Locale.ROOT, "control, ms p50/max over %d streams: pause -> paused frame %.1f/%.1f, pause -> "
                    + "last token before it %.1f/%.1f, cancel -> cancelled frame %.1f/%.1f, cancel -> upstream "
                    + "closed %.1f/%.1f%n", control.pausedFrame().count(), control.pausedFrame().p50(),
                    control.pausedFrame().max(), control.lastTokenAfterPause().p50(),
                    control.lastTokenAfterPause().max(), control.cancelledFrame().p50(),
                    control.cancelledFrame().max(), control.upstreamClosed().p50(), control.upstreamClosed().max());
        }
        if (idle != null) {
            out.println(idle(idle));
        }
        out.println("CPU seconds per 1000 tokens / RSS MiB at the end, per process:");
        for (Benchmark.Result r : results) {
            out.println(processes(r));
        }
        for (Benchmark.Result r : results) {
            if (r.system().equals("tokenstream")) {
                result("direct", r.streams()).ifPresent(d -> out.printf(Locale.ROOT,
                        "%d streams: Tokenstream adds %.1f ms per token at p50 (%.1fx the direct relay's %.1f ms), "
                                + "%.1f ms at p99 (%.1fx)%n", r.streams(), r.addedLatency().p50(),
                        ratio(r.addedLatency().p50(), d.addedLatency().p50()), d.addedLatency().p50(),
                        r.addedLatency().p99(), ratio(r.addedLatency().p99(), d.addedLatency().p99())));
                result("floor", r.streams()).ifPresent(f -> out.printf(Locale.ROOT,
                        "%d streams: Tokenstream/floor added latency p50 %.1fx, p99 %.1fx, CPU per 1000 tokens %.1fx; "
                                + "floor/relay p50 %.1fx, p99 %.1fx, CPU %.1fx%n", r.streams(),
                        ratio(r.addedLatency().p50(), f.addedLatency().p50()),
                        ratio(r.addedLatency().p99(), f.addedLatency().p99()), ratio(cpu(r), cpu(f)),
                        result("direct", r.streams()).map(d -> ratio(f.addedLatency().p50(), d.addedLatency().p50()))
                                .orElse(Double.NaN),
                        result("direct", r.streams()).map(d -> ratio(f.addedLatency().p99(), d.addedLatency().p99()))
                                .orElse(Double.NaN),
                        result("direct", r.streams()).map(d -> ratio(cpu(f), cpu(d))).orElse(Double.NaN)));
            }
        }
    }

    /**
     * @return one scenario as a row of the table: system, streams, upstream peak, tokens, missing, added latency
     *         p50/p95/p99/max, first token p50/p95, Kafka+ p50/p99, tokens/s
     */
    public static String row(Benchmark.Result r) {
        return String.format(Locale.ROOT,
                "%-12s %7d %8d %7d %7d | %6.1f %6.1f %6.1f %6.1f | %7.1f %7.1f | %7s %7s | %9.0f",
                r.system(), r.streams(), r.peakUpstream(), r.tokens(), r.missingTokens(), r.addedLatency().p50(),
                r.addedLatency().p95(), r.addedLatency().p99(), r.addedLatency().max(), r.firstToken().p50(),
                r.firstToken().p95(),
                r.pipeline() == null ? "-" : String.format(Locale.ROOT, "%.1f", r.pipeline().p50()),
                r.pipeline() == null ? "-" : String.format(Locale.ROOT, "%.1f", r.pipeline().p99()),
                r.tokensPerSecond());
    }

    /** @return the fan-out scenario on one line */
    public static String fanOut(Benchmark.FanOut f) {
        return String.format(Locale.ROOT, "fan-out, %s: one stream of %d tokens to %d WebSocket subscribers: %d of %d "
                + "token frames received, all connected %.0f ms after the start; added latency per token and "
                + "subscriber after that, ms p50/p95/p99/max %.1f/%.1f/%.1f/%.1f (%d samples)", f.system(), f.tokens(),
                f.subscribers(), f.received(), f.tokens() * f.subscribers(), f.connectMillis(),
                f.addedLatency().p50(), f.addedLatency().p95(), f.addedLatency().p99(), f.addedLatency().max(),
                f.addedLatency().count());
    }

    /** @return the idle stack's CPU on one line, in cores */
    public static String idle(Benchmark.Idle idle) {
        var line = new StringBuilder(String.format(Locale.ROOT, "idle stack (no stream open, %.0f s): %.3f cores:",
                idle.seconds(), idle.total()));
        idle.cores().forEach((name, cores) -> line.append(String.format(Locale.ROOT, " %s %.3f", name, cores)));
        return line.toString();
    }

    /** @return a scenario's CPU seconds per 1000 tokens / RSS MiB at the end, per process, on one line */
    public static String processes(Benchmark.Result r) {
        var line = new StringBuilder(String.format(Locale.ROOT, "  %-12s %4d:", r.system(), r.streams()));
        r.processes().forEach((name, usage) -> line.append(String.format(Locale.ROOT, " %s %.2f/%s", name,
                usage.cpuSecondsPer1000Tokens(), usage.rssMiB() == null ? "-"
                        : String.format(Locale.ROOT, "%.0f", usage.rssMiB()))));
        return line.toString();
    }

    /** A log axis has no 0: below 0.1 ms is drawn at 0.1. */
    private static double plotted(double millis) {
        return Math.max(0.1, millis);
    }

    private static String mib(Double value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.1f", value);
    }

    private Optional<Benchmark.Result> result(String system, int streams) {
        return results.stream().filter(r -> r.system().equals(system) && r.streams() == streams).findFirst();
    }

    /** @return the CPU seconds per 1000 tokens of every process of a system's scenario, added up */
    private static double cpu(Benchmark.Result r) {
        return r.processes().values().stream().mapToDouble(ProcessUsage.Usage::cpuSecondsPer1000Tokens).sum();
    }

    private static double ratio(double a, double b) {
        return b <= 0 ? Double.NaN : a / b;
    }

    /** Writes {@code bench.json} and {@code bench.png} into {@code dir}. */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("bench.json").toFile(), this);
        XYChart chart = new XYChartBuilder().width(900).height(500)
                .title("Added latency per token, by concurrent streams (log scales)")
                .xAxisTitle("concurrent streams").yAxisTitle("ms").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        for (String system : BenchRun.SYSTEMS) {
            List<Benchmark.Result> rows = results.stream().filter(r -> r.system().equals(system)).toList();
            if (rows.isEmpty()) {
                continue;
            }
            List<Integer> streams = rows.stream().map(Benchmark.Result::streams).toList();
            chart.addSeries(system + " p50", streams, rows.stream().map(r -> plotted(r.addedLatency().p50())).toList());
            chart.addSeries(system + " p99", streams, rows.stream().map(r -> plotted(r.addedLatency().p99())).toList());
        }
        BitmapEncoder.saveBitmap(chart, dir.resolve("bench.png").toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
