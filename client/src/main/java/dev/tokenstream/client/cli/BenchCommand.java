package dev.tokenstream.client.cli;

import dev.tokenstream.client.TokenstreamClient;
import dev.tokenstream.client.bench.BenchReport;
import dev.tokenstream.client.bench.Benchmark;
import dev.tokenstream.client.bench.DirectRelay;
import dev.tokenstream.localstack.LocalStack;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code bench}: the end-to-end benchmark against the direct relay ({@link Benchmark}); starts the local stack
 * for the run when none is up, and the relay always.
 */
@Command(name = "bench", description = "Measure Tokenstream's added latency per token against a direct relay "
        + "(no Kafka), by concurrent streams; writes a table, bench.json and bench.png.")
public final class BenchCommand implements Callable<Integer> {

    @ParentCommand
    TokenstreamCli cli;

    @Option(names = "--streams", split = ",", defaultValue = "1,10,100",
            description = "concurrent streams per scenario (default: ${DEFAULT-VALUE})")
    List<Integer> streams = new ArrayList<>();

    @Option(names = "--tokens", defaultValue = "100", description = "tokens per stream (default: ${DEFAULT-VALUE})")
    int tokens;

    @Option(names = "--warm-up", defaultValue = "10", description = "concurrent streams of --tokens tokens that "
            + "warm up each system first, twice: the JVMs compile their hot paths under load (default: ${DEFAULT-VALUE})")
    int warmUp;

    @Option(names = "--control", defaultValue = "10", description = "streams paused, resumed and cancelled one "
            + "after another to time control (default: ${DEFAULT-VALUE})")
    int control;

    @Option(names = "--out", defaultValue = "target/bench", description = "where bench.json and bench.png go "
            + "(default: ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws Exception {
        LocalStack stack = cli.stack();
        boolean ours = !stack.isRunning();
        if (ours) {
            stack.up();
        }
        try {
            BenchReport report = run(stack, cli.client(), streams, tokens, warmUp, control, out);
            report.print(System.out);
            System.out.println("written: " + out.resolve("bench.json") + ", " + out.resolve("bench.png"));
            return 0;
        } finally {
            if (ours) {
                stack.down();
            }
        }
    }

    /** Runs the benchmark against a running {@code stack} and writes its report into {@code out}. */
    public static BenchReport run(LocalStack stack, TokenstreamClient client, List<Integer> streams, int tokens,
                                  int warmUp, int control, Path out) throws Exception {
        var settings = stack.settings();
        try (var relay = DirectRelay.start(settings.home(),
                settings.simulatorUrl(), out.resolve("direct-relay.log"))) {
            Map<String, Long> stackPids = new LinkedHashMap<>();
            stack.status().forEach(process -> stackPids.put(process.name(), process.pid()));
            Map<String, Long> relayPids = new LinkedHashMap<>();
            relayPids.put("direct-relay", relay.pid());
            if (stackPids.containsKey("provider-simulator")) {
                relayPids.put("provider-simulator", stackPids.get("provider-simulator"));
            }
            var bench = new Benchmark(client, URI.create(settings.simulatorUrl()), relay.webSocket(), stackPids,
                    relayPids);
            for (int round = 0; round < 2 && warmUp > 0; round++) {
                bench.direct(warmUp, tokens);
                bench.tokenstream(warmUp, tokens);
            }
            List<Benchmark.Result> results = new ArrayList<>();
            for (int n : streams) {
                results.add(bench.direct(n, tokens));
                results.add(bench.tokenstream(n, tokens));
            }
            Benchmark.Control controlLatency = control > 0 ? bench.control(control) : null;
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("model", Benchmark.MODEL + " (100 ms to first token, 20 ms between tokens, no jitter)");
            run.put("tokensPerStream", tokens);
            run.put("streams", streams);
            run.put("warmUp", "2 rounds of " + warmUp + " concurrent streams of " + tokens + " tokens per system");
            run.put("topicLayout", settings.topicLayout());
            run.put("partitions", settings.partitions());
            run.put("coalescing", "none");
            run.put("controlStreams", control);
            var report = new BenchReport(BenchReport.thisMachine(), run, results, controlLatency);
            report.write(out);
            return report;
        }
    }
}
