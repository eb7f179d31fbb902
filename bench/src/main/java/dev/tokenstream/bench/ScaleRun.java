package dev.tokenstream.bench;

import dev.tokenstream.client.TokenstreamClient;
import dev.tokenstream.events.serde.Json;
import dev.tokenstream.localstack.LocalStack;
import dev.tokenstream.localstack.StackSettings;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scale-out benchmark ({@code tokenstream bench --instances 1,2,3}): for each instance count, a local stack with
 * that many instances of every service, streams started round-robin on the control instances, and per scenario the
 * frames each delivery instance read from Kafka and received from an owner, CPU seconds per 1000 tokens of each
 * process and of all, and the added latency; then the highest rate with p99 added latency under
 * {@value BenchRun#P99_BOUND_MILLIS} ms. The direct relay runs the same scenarios once, for the ratios. On one
 * machine the total cannot grow with instances; what shows is each instance's share of the work and the total cost
 * per token.
 */
public final class ScaleRun {

    private static final Pattern CONSUMED =
            Pattern.compile("(?m)^tokenstream_delivery_frames_consumed_total ([0-9.E+]+)");
    private static final Pattern FORWARDED =
            Pattern.compile("(?m)^tokenstream_delivery_frames_forwarded_total ([0-9.E+]+)");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private ScaleRun() {
    }

    /**
     * One scenario on a stack of {@code instances}.
     *
     * @param instances       instances of every service
     * @param result          the scenario's figures ({@link Benchmark.Result}; its processes are every instance's)
     * @param deliveryFrames  per delivery instance, by process name: frames read from Kafka and frames received from
     *                        the instance owning their stream
     * @param cpuPer1000      CPU seconds per 1000 tokens of all the stack's processes together
     */
    public record Row(int instances, Benchmark.Result result, Map<String, long[]> deliveryFrames, double cpuPer1000) {
    }

    /**
     * Runs the scale benchmark; no local stack may be running (each instance count starts its own).
     *
     * @param base     the stack's settings; its instance count is replaced by each of {@code instances}
     * @param apiKey   the key streams are started with (the stack's development key)
     * @param instances instance counts to measure
     * @param plan     streams per scenario, tokens per stream, warm-up, search bound ({@code limitMax})
     * @param out      where {@code scale.json} and the relay's log go
     * @param progress where each finished scenario's line goes
     * @return every row, then the search results per instance count (as rows of their best step)
     */
    public static List<Row> run(StackSettings base, String apiKey, List<Integer> instances, BenchRun.Plan plan,
                                Path out, PrintStream progress) throws Exception {
        List<Row> rows = new ArrayList<>();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("machine", BenchReport.thisMachine());
        report.put("tokensPerStream", plan.tokens());
        List<Benchmark.Result> direct = new ArrayList<>();
        List<Map<String, Object>> limits = new ArrayList<>();
        Files.createDirectories(out);
        for (int n : instances) {
            var stack = new LocalStack(base.withInstances(n), progress);
            stack.up();
            try (var relay = DirectRelay.start(base.home(), base.simulatorUrl(), out.resolve("direct-relay.log"))) {
                Map<String, Long> pids = new LinkedHashMap<>();
                stack.status().forEach(process -> pids.put(process.name(), process.pid()));
                Map<String, Long> relayPids = Map.of("direct-relay", relay.pid(), "provider-simulator",
                        pids.get("provider-simulator"));
                List<TokenstreamClient> clients = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    clients.add(new TokenstreamClient(URI.create(stack.settings().controlUrl(i)), apiKey));
                }
                var bench = new Benchmark(clients, URI.create(base.simulatorUrl()), relay.webSocket(), pids,
                        relayPids, plan.buffering());
                for (int round = 0; round < 2 && plan.warmUp() > 0; round++) {
                    if (direct.isEmpty()) {
                        bench.direct(plan.warmUp(), plan.tokens());
                    }
                    bench.tokenstream(plan.warmUp(), plan.tokens());
                }
                for (int streams : plan.streams()) {
                    if (direct.size() < plan.streams().size()) {
                        Benchmark.Result relayResult = bench.direct(streams, plan.tokens());
                        direct.add(relayResult);
                        progress.printf(Locale.ROOT,
                                "direct relay, %d streams: %.0f tokens/s, %.2f CPU s/1000 tokens%n",
                                streams, relayResult.tokensPerSecond(), totalCpu(relayResult));
                    }
                    Map<String, long[]> before = deliveryFrames(stack.settings(), n);
                    Benchmark.Result result = bench.tokenstream(streams, plan.tokens());
                    Map<String, long[]> after = deliveryFrames(stack.settings(), n);
                    after.forEach((name, frames) -> {
                        frames[0] -= before.get(name)[0];
                        frames[1] -= before.get(name)[1];
                    });
                    Row row = new Row(n, result, after, totalCpu(result));
                    rows.add(row);
                    progress.println(line(row));
                    progress.println(BenchReport.processes(result));
                }
                if (plan.limitMax() > 0) {
                    Benchmark.Limit limit = bench.limit("tokenstream", plan.limitMax(), plan.tokens(),
                            BenchRun.P99_BOUND_MILLIS);
                    Map<String, Object> found = new LinkedHashMap<>();
                    found.put("instances", n);
                    found.put("tokensPerSecond", limit.best() == null ? 0 : limit.best().tokensPerSecond());
                    found.put("streams", limit.best() == null ? 0 : limit.best().streams());
                    limits.add(found);
                    progress.printf(Locale.ROOT, "%d instances: highest rate with p99 added latency under %.0f ms: "
                            + "%.0f tokens/s (%s streams)%n", n, BenchRun.P99_BOUND_MILLIS,
                            found.get("tokensPerSecond"), found.get("streams"));
                }
            } finally {
                stack.down();
            }
        }
        report.put("direct", direct);
        report.put("rows", rows);
        report.put("limits", limits);
        Files.writeString(out.resolve("scale.json"), Json.MAPPER.writerWithDefaultPrettyPrinter()
                .writeValueAsString(report));
        return rows;
    }

    /** @return one row as a line: instances, streams, rates, latency, CPU, each delivery instance's frames */
    static String line(Row row) {
        Benchmark.Result r = row.result();
        var frames = new StringBuilder();
        row.deliveryFrames().forEach((name, counts) -> frames.append(String.format(Locale.ROOT, " %s %d+%d",
                name, counts[0], counts[1])));
        return String.format(Locale.ROOT, "%d instances, %4d streams: %6.0f tokens/s, added p50/p99 %.1f/%.1f ms, "
                        + "%.2f CPU s/1000 tokens in all; delivery frames from Kafka+from owner:%s", row.instances(),
                r.streams(), r.tokensPerSecond(), r.addedLatency().p50(), r.addedLatency().p99(), row.cpuPer1000(),
                frames);
    }

    private static double totalCpu(Benchmark.Result result) {
        return result.processes().values().stream().mapToDouble(ProcessUsage.Usage::cpuSecondsPer1000Tokens).sum();
    }

    /** @return per delivery instance (by process name) its frames consumed and forwarded so far */
    private static Map<String, long[]> deliveryFrames(StackSettings settings, int instances)
            throws IOException, InterruptedException {
        Map<String, long[]> frames = new LinkedHashMap<>();
        for (int i = 1; i <= instances; i++) {
            int management = URI.create(settings.deliveryUrl(i)).getPort() + 1000;
            String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + management
                    + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            frames.put(i == 1 ? "delivery-service" : "delivery-service-" + i,
                    new long[] {counter(CONSUMED, metrics), counter(FORWARDED, metrics)});
        }
        return frames;
    }

    private static long counter(Pattern pattern, String metrics) {
        Matcher matcher = pattern.matcher(metrics);
        return matcher.find() ? (long) Double.parseDouble(matcher.group(1)) : 0;
    }
}
