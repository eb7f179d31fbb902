package dev.tokenstream.bench;

import dev.tokenstream.client.TokenstreamClient;
import dev.tokenstream.events.Buffering;
import dev.tokenstream.localstack.LocalStack;

import java.net.URI;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One benchmark run against a running local stack: the direct relay started beside it, both warmed up, then every
 * scenario of a {@link Plan} through both systems, and the report written. The CLI's {@code bench} command and the
 * whole-stack smoke run both call {@link #run}.
 */
public final class BenchRun {

    private BenchRun() {
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
     * @param fanOut   WebSocket subscribers of the fan-out scenario's one stream (of 10 times {@code tokens}
     *                 tokens), read through the relay's broadcaster and through Tokenstream; 0 for none
     * @param fastStreamTokens tokens of the fast-stream scenario's one stream at 3,000 tokens/s; 0 for none
     * @param idleSeconds how long to measure the stack's CPU with no stream open, at the end; 0 for not
     */
    public record Plan(List<Integer> streams, int tokens, int warmUp, int control, int limitMax, int memory,
                       Buffering buffering, int fanOut, int fastStreamTokens, int idleSeconds) {
    }

    /**
     * The systems measured side by side: the direct relay (no Kafka), the floor (the relay's call through two bare
     * Kafka hops: what the design's shape costs at least) and Tokenstream.
     */
    public static final List<String> SYSTEMS = List.of("direct", "floor", "tokenstream");

    /** The p99 added latency the throughput search stays under, ms. */
    public static final double P99_BOUND_MILLIS = 50;

    /**
     * Runs the benchmark against a running {@code stack} and writes its report into {@code out}, saying on
     * {@code progress} what it does and each scenario's row as it finishes.
     */
    public static BenchReport run(LocalStack stack, TokenstreamClient client, Plan plan, Path out, PrintStream progress)
            throws Exception {
        List<Integer> streams = plan.streams();
        int tokens = plan.tokens();
        int warmUp = plan.warmUp();
        var settings = stack.settings();
        try (var relay = DirectRelay.start(settings.home(), settings.simulatorUrl(), settings.bootstrapServers(),
                settings.partitions(), out.resolve("direct-relay.log"))) {
            Map<String, Long> stackPids = new LinkedHashMap<>();
            stack.status().forEach(process -> stackPids.put(process.name(), process.pid()));
            Map<String, Long> relayPids = new LinkedHashMap<>();
            relayPids.put("direct-relay", relay.pid());
            if (stackPids.containsKey("provider-simulator")) {
                relayPids.put("provider-simulator", stackPids.get("provider-simulator"));
            }
            var bench = new Benchmark(client, URI.create(settings.simulatorUrl()), relay.webSocket(), stackPids,
                    relayPids, plan.buffering());
            progress.printf("warming up: 2 rounds of %d streams of %d tokens through each system%n", warmUp, tokens);
            for (int round = 0; round < 2 && warmUp > 0; round++) {
                for (String system : SYSTEMS) {
                    bench.run(system, warmUp, tokens);
                }
            }
            List<Benchmark.Result> results = new ArrayList<>();
            for (int n : streams) {
                for (String system : SYSTEMS) {
                    progress.printf("%s, %d concurrent streams of %d tokens...%n", system, n, tokens);
                    Benchmark.Result result = bench.run(system, n, tokens);
                    results.add(result);
                    progress.println(BenchReport.row(result));
                }
            }
            List<Benchmark.Result> fastStream = new ArrayList<>();
            List<Benchmark.Limit> limits = new ArrayList<>();
            if (plan.limitMax() > 0) {
                for (String system : SYSTEMS) {
                    progress.printf("%s: searching the highest rate with p99 added latency under %.0f ms (1, 2, 4, ... "
                            + "streams up to %d)%n", system, P99_BOUND_MILLIS, plan.limitMax());
                    limits.add(bench.limit(system, plan.limitMax(), tokens, P99_BOUND_MILLIS));
                }
            }
            if (plan.control() > 0) {
                progress.printf("timing pause and cancel on %d streams%n", plan.control());
            }
            Benchmark.Control controlLatency = plan.control() > 0 ? bench.control(plan.control()) : null;
            if (plan.memory() > 0) {
                progress.printf("holding %d streams open to measure memory per stream%n", plan.memory());
            }
            Benchmark.Memory memory = plan.memory() > 0 ? bench.memory(plan.memory()) : null;
            if (plan.fastStreamTokens() > 0) {
                for (String system : SYSTEMS) {
                    progress.printf("fast stream: one stream of %d tokens at 3,000 tokens/s (%s) through %s...%n",
                            plan.fastStreamTokens(), Benchmark.RAPID, system);
                    Benchmark.Result fast = bench.run(system, 1, plan.fastStreamTokens(), Benchmark.RAPID);
                    fastStream.add(fast);
                    progress.println(BenchReport.row(fast));
                }
            }
            List<Benchmark.FanOut> fanOut = new ArrayList<>();
            if (plan.fanOut() > 0) {
                progress.printf("fan-out: one stream of %d tokens to %d WebSocket subscribers, through the relay's "
                        + "plain broadcaster, then through Tokenstream%n", 10 * tokens, plan.fanOut());
                fanOut.add(bench.fanOutRelay(plan.fanOut(), 10 * tokens));
                progress.println(BenchReport.fanOut(fanOut.get(0)));
                fanOut.add(bench.fanOut(plan.fanOut(), 10 * tokens));
                progress.println(BenchReport.fanOut(fanOut.get(1)));
            }
            Benchmark.Idle idle = null;
            if (plan.idleSeconds() > 0) {
                progress.printf("idle: every process of the stack over %d s with no stream open%n", plan.idleSeconds());
                idle = bench.idle(Duration.ofSeconds(plan.idleSeconds()));
                progress.println(BenchReport.idle(idle));
            }
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
            run.put("fanOut", plan.fanOut() > 0 ? "one stream of " + 10 * tokens + " tokens to " + plan.fanOut()
                    + " WebSocket subscribers" : "none");
            run.put("fastStream", plan.fastStreamTokens() > 0 ? "one stream of " + plan.fastStreamTokens()
                    + " tokens of " + Benchmark.RAPID + " (3,000 tokens/s)" : "none");
            var report = new BenchReport(BenchReport.thisMachine(), run, results, controlLatency, limits, memory,
                    fanOut, fastStream, idle);
            report.write(out);
            return report;
        }
    }
}
