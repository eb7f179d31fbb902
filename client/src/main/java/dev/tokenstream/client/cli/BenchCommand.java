package dev.tokenstream.client.cli;

import dev.tokenstream.client.TokenstreamClient;
import dev.tokenstream.client.bench.BenchReport;
import dev.tokenstream.client.bench.Benchmark;
import dev.tokenstream.client.bench.DirectRelay;
import dev.tokenstream.localstack.LocalStack;
import dev.tokenstream.events.Buffering;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

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

    @Option(names = "--streams", split = ",", defaultValue = "1,10,100,1000",
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

    @Option(names = "--limit-max", defaultValue = "256", description = "search the highest rate with p99 added "
            + "latency under 50 ms with 1, 2, 4, ... streams up to this many, per system; 0 skips it "
            + "(default: ${DEFAULT-VALUE})")
    int limitMax;

    @Option(names = "--memory", defaultValue = "100", description = "streams held open (one token a second) to "
            + "measure the memory each holds in every service; 0 skips it (default: ${DEFAULT-VALUE})")
    int memory;

    @Option(names = "--buffering", description = "coalescing of Tokenstream's token frames by the processor: none, "
            + "words, sentences, tokens:<n>, characters:<n>, window:<ms> (default: none, a frame per token)")
    String buffering;

    @Spec
    CommandSpec spec;

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
            BenchReport report = run(stack, cli.client(), new Plan(streams, tokens, warmUp, control, limitMax, memory,
                    buffering == null ? null : StreamCommand.parseBuffering(spec, buffering)), out);
            report.print(System.out);
            System.out.println("written: " + out.resolve("bench.json") + ", " + out.resolve("bench.png"));
            return 0;
        } finally {
            if (ours) {
                stack.down();
            }
        }
    }

    /**
     * What a run measures.
     *
     * @param streams  concurrent streams of each scenario
     * @param tokens   tokens per stream
     * @param warmUp   concurrent streams of each of the two warm-up rounds per system; 0 for none
     * @param control  streams paused, resumed and cancelled for control latency; 0 for none
     * @param limitMax most concurrent streams of the search for the highest rate under the p99 bound; 0 for none
     * @param memory   streams held open for the memory figures; 0 for none
     * @param buffering how the processor coalesces Tokenstream's token frames; null for none
     */
    public record Plan(List<Integer> streams, int tokens, int warmUp, int control, int limitMax, int memory,
                       Buffering buffering) {
    }

    /** The p99 added latency the throughput search stays under, ms. */
    static final double P99_BOUND_MILLIS = 50;

    /** Runs the benchmark against a running {@code stack} and writes its report into {@code out}. */
    public static BenchReport run(LocalStack stack, TokenstreamClient client, Plan plan, Path out) throws Exception {
        List<Integer> streams = plan.streams();
        int tokens = plan.tokens();
        int warmUp = plan.warmUp();
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
                    relayPids, plan.buffering());
            for (int round = 0; round < 2 && warmUp > 0; round++) {
                bench.direct(warmUp, tokens);
                bench.tokenstream(warmUp, tokens);
            }
            List<Benchmark.Result> results = new ArrayList<>();
            for (int n : streams) {
                results.add(bench.direct(n, tokens));
                results.add(bench.tokenstream(n, tokens));
            }
            List<Benchmark.Limit> limits = new ArrayList<>();
            if (plan.limitMax() > 0) {
                limits.add(bench.limit("direct", plan.limitMax(), tokens, P99_BOUND_MILLIS));
                limits.add(bench.limit("tokenstream", plan.limitMax(), tokens, P99_BOUND_MILLIS));
            }
            Benchmark.Control controlLatency = plan.control() > 0 ? bench.control(plan.control()) : null;
            Benchmark.Memory memory = plan.memory() > 0 ? bench.memory(plan.memory()) : null;
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("model", Benchmark.MODEL + " (100 ms to first token, 20 ms between tokens, no jitter)");
            run.put("tokensPerStream", tokens);
            run.put("streams", streams);
            run.put("warmUp", "2 rounds of " + warmUp + " concurrent streams of " + tokens + " tokens per system");
            run.put("topicLayout", settings.topicLayout());
            run.put("partitions", settings.partitions());
            run.put("coalescing", plan.buffering() == null ? "none" : plan.buffering());
            run.put("controlStreams", plan.control());
            run.put("throughputSearch", plan.limitMax() > 0 ? "1, 2, 4, ... streams up to " + plan.limitMax()
                    + ", p99 under " + P99_BOUND_MILLIS + " ms" : "none");
            run.put("memoryStreams", plan.memory() > 0 ? plan.memory() + " streams of " + Benchmark.TRICKLE
                    + " (one token a second)" : "none");
            var report = new BenchReport(BenchReport.thisMachine(), run, results, controlLatency, limits, memory);
            report.write(out);
            return report;
        }
    }
}
