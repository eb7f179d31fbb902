package dev.tokenstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstream.api.StartStreamRequest;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.client.TokenstreamClient;
import dev.tokenstream.client.TokenstreamException;
import dev.tokenstream.events.Buffering;
import dev.tokenstream.events.GenerationParams;
import dev.tokenstream.events.Micros;
import dev.tokenstream.events.serde.Json;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The end-to-end benchmark: concurrent streams of the simulator's fixed {@code sim-bench} profile (100 ms to the
 * first token, then 50 tokens/s), read by real WebSocket clients, through Tokenstream and through the direct relay
 * (the same simulator, the same SDK, no Kafka). Every token's <b>added latency</b> is the time the client received
 * it minus the time the simulator wrote it ({@code /simulator/timeline}), both on this machine's clock; the
 * <b>first-token overhead</b> is the same for the first token. Percentiles from HdrHistogram (microseconds, 3
 * significant digits).
 */
public final class Benchmark {

    /** The simulator profile the benchmark streams. */
    public static final String MODEL = "sim-bench";
    /** How long the idle measurement waits after the last scenario before it starts. */
    static final Duration IDLE_SETTLE = Duration.ofSeconds(5);
    /** The simulator profile of the streams held open for the memory figures: one token a second. */
    public static final String TRICKLE = "sim-trickle";
    /** The simulator's fast-stream profile: 3 chunks every millisecond, 3,000 tokens/s. */
    public static final String RAPID = "sim-rapid";
    private static final long MAX_MICROS = TimeUnit.MINUTES.toMicros(10);
    /** Threads that start a scenario's streams. */
    private static final int STARTERS = 64;

    private final TokenstreamClient tokenstream;
    private final List<TokenstreamClient> clients;
    private final AtomicInteger nextClient = new AtomicInteger();
    private final URI simulator;
    private final URI relay;
    private final Map<String, Long> tokenstreamPids;
    private final Map<String, Long> relayPids;
    /** The floor's processes: the relay's, and the broker its two hops go through. */
    private final Map<String, Long> floorPids;
    private final Buffering buffering;
    private final HttpClient http = HttpClient.newHttpClient();
    /** Tokenstream's share of the added latency, of the scenario running now. */
    private final Histogram pipeline = new ConcurrentHistogram(MAX_MICROS, 3);

    /**
     * @param tokenstream a client of the stack's control API
     * @param simulator   the simulator's base URL ({@code http://localhost:8089})
     * @param relay       the direct relay's WebSocket base URL ({@code ws://localhost:8090})
     * @param tokenstreamPids the processes of the stack (broker, services, simulator), by name
     * @param relayPids   the processes of the relay path (relay, simulator), by name
     * @param buffering   how the processor coalesces Tokenstream's token frames; null for none (each token a frame)
     */
    public Benchmark(TokenstreamClient tokenstream, URI simulator, URI relay, Map<String, Long> tokenstreamPids,
                     Map<String, Long> relayPids, Buffering buffering) {
        this(List.of(tokenstream), simulator, relay, tokenstreamPids, relayPids, buffering);
    }

    /**
     * A benchmark of a stack with several control-service instances: stream {@code i} starts on instance
     * {@code i mod n}, and its client reads the delivery instance that instance's links name.
     *
     * @param tokenstream a client of each control-service instance
     */
    public Benchmark(List<TokenstreamClient> tokenstream, URI simulator, URI relay, Map<String, Long> tokenstreamPids,
                     Map<String, Long> relayPids, Buffering buffering) {
        this.clients = List.copyOf(tokenstream);
        this.tokenstream = clients.get(0);
        this.simulator = simulator;
        this.relay = relay;
        this.tokenstreamPids = Map.copyOf(tokenstreamPids);
        this.relayPids = Map.copyOf(relayPids);
        Map<String, Long> floor = new LinkedHashMap<>(relayPids);
        if (tokenstreamPids.containsKey("kafka")) {
            floor.put("kafka", tokenstreamPids.get("kafka"));
        }
        this.floorPids = Map.copyOf(floor);
        this.buffering = buffering == null ? Buffering.NONE : buffering;
    }

    /**
     * One scenario's figures for one system.
     *
     * @param system          {@code tokenstream}, {@code direct} or {@code floor}
     * @param streams         concurrent streams
     * @param tokens          tokens received in all
     * @param missingTokens   tokens the simulator wrote that no client received (0 unless something was lost)
     * @param peakUpstream    most streams the simulator served at once during the scenario (fewer than
     *                        {@code streams} when the path caps its concurrent upstream calls)
     * @param addedLatency    per token, milliseconds
     * @param firstToken      first-token overhead per stream, milliseconds
     * @param pipeline        Tokenstream only (null for the relay and the floor): per token, the client's receipt minus ingest's
     *                        receipt from the provider ({@code emittedAtMicros}): Kafka, processor and delivery
     * @param tokensPerSecond tokens received per second of the scenario's wall time, all streams together
     * @param seconds         the scenario's wall time
     * @param processes       CPU per 1000 tokens and resident memory of each process the system runs on
     */
    public record Result(String system, int streams, long tokens, long missingTokens, int peakUpstream,
                         Percentiles addedLatency, Percentiles firstToken,
                         Percentiles pipeline, double tokensPerSecond, double seconds,
                         Map<String, ProcessUsage.Usage> processes) {
    }

    /** Percentiles in milliseconds. */
    public record Percentiles(double p50, double p95, double p99, double max, long count) {

        static Percentiles of(Histogram micros) {
            return new Percentiles(micros.getValueAtPercentile(50) / 1000.0, micros.getValueAtPercentile(95) / 1000.0,
                    micros.getValueAtPercentile(99) / 1000.0, micros.getMaxValue() / 1000.0, micros.getTotalCount());
        }
    }

    /** Streams {@code streams} answers of {@code maxTokens} at once through Tokenstream. */
    public Result tokenstream(int streams, int maxTokens) throws Exception {
        return tokenstream(streams, maxTokens, MODEL);
    }

    /** Streams {@code streams} answers of {@code maxTokens} of the simulator's {@code model} through Tokenstream. */
    public Result tokenstream(int streams, int maxTokens, String model) throws Exception {
        return run("tokenstream", streams, maxTokens, prompt -> {
            TokenstreamClient client = clients.get(Math.floorMod(nextClient.getAndIncrement(), clients.size()));
            var started = client.create(StartStreamRequest.prompt("simulator", model, prompt,
                    new GenerationParams(maxTokens, null, 1L)).withBuffering(buffering));
            List<Long> received = new CopyOnWriteArrayList<>();
            var subscription = client.subscribe(started.ws(), -1, frame -> onTokenstreamFrame(frame, received));
            return CompletableFuture.supplyAsync(() -> {
                subscription.awaitClose(Duration.ofMinutes(5));
                return received;
            });
        });
    }

    private void onTokenstreamFrame(DeliveryFrame frame, List<Long> received) {
        if (frame.isToken()) {
            long now = Micros.now();
            pipeline.recordValue(clamp(now - frame.emittedAtMicros()));
            // A frame merged for a slow client stands for several tokens, all received now.
            int tokens = frame.tokenCount();
            for (int i = 0; i < tokens; i++) {
                received.add(now);
            }
        }
    }

    /** Streams {@code streams} answers of {@code maxTokens} at once through the direct relay. */
    public Result direct(int streams, int maxTokens) throws Exception {
        return direct(streams, maxTokens, MODEL);
    }

    /** Streams {@code streams} answers of {@code maxTokens} of the simulator's {@code model} through the relay. */
    public Result direct(int streams, int maxTokens, String model) throws Exception {
        return relayed("direct", "/relay", streams, maxTokens, model);
    }

    /**
     * Streams {@code streams} answers of {@code maxTokens} through the floor: the relay's provider call with two bare
     * Kafka hops between it and the client (the relay's {@code /floor}), what the design's shape costs at least.
     */
    public Result floor(int streams, int maxTokens) throws Exception {
        return floor(streams, maxTokens, MODEL);
    }

    /** Streams {@code streams} answers of the simulator's {@code model} through the floor. */
    public Result floor(int streams, int maxTokens, String model) throws Exception {
        return relayed("floor", "/floor", streams, maxTokens, model);
    }

    /** Streams through one of the relay's paths, whose frames are the relay's. */
    private Result relayed(String system, String path, int streams, int maxTokens, String model) throws Exception {
        return run(system, streams, maxTokens, prompt -> relaySocket(URI.create(relay + path + "?model=" + model
                + "&maxTokens=" + maxTokens + "&prompt=" + URLEncoder.encode(prompt, StandardCharsets.UTF_8))));
    }

    /**
     * Opens a WebSocket to one of the relay's paths.
     *
     * @return completes when the relay closed it, with when each token frame arrived (epoch microseconds)
     */
    private CompletableFuture<List<Long>> relaySocket(URI uri) {
        List<Long> received = new CopyOnWriteArrayList<>();
        var done = new CompletableFuture<List<Long>>();
        http.newWebSocketBuilder().buildAsync(uri, new WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    // Read as the SDK reads Tokenstream's frames, so both paths cost the client the same.
                    if (readRelayFrame(text.toString()).isToken()) {
                        received.add(Micros.now());
                    }
                    text.setLength(0);
                }
                socket.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket socket, int status, String reason) {
                done.complete(received);
                return null;
            }

            @Override
            public void onError(WebSocket socket, Throwable error) {
                done.completeExceptionally(error);
            }
        }).join();
        return done;
    }

    /**
     * Control latency, one stream at a time, each {@code repetitions} times (milliseconds, from the command sent
     * to the control API).
     *
     * @param pausedFrame        pause sent to the client's {@code paused} frame
     * @param lastTokenAfterPause pause sent to the last token frame the client got before {@code paused} (0 when
     *                            none came after the command)
     * @param cancelledFrame     cancel sent to the client's {@code cancelled} frame
     * @param upstreamClosed     cancel sent to the simulator reporting no open stream (its connection closed)
     */
    public record Control(Percentiles pausedFrame, Percentiles lastTokenAfterPause, Percentiles cancelledFrame,
                          Percentiles upstreamClosed) {
    }

    /** Pauses, resumes and cancels streams one after another and times what follows each command. */
    public Control control(int repetitions) throws Exception {
        var paused = new Histogram(MAX_MICROS, 3);
        var lastToken = new Histogram(MAX_MICROS, 3);
        var cancelled = new Histogram(MAX_MICROS, 3);
        var closed = new Histogram(MAX_MICROS, 3);
        for (int i = 0; i < repetitions; i++) {
            var started = tokenstream.create(StartStreamRequest.prompt("simulator", MODEL, "bench control " + UUID.randomUUID(),
                    new GenerationParams(500, null, 1L)));
            List<Seen> frames = new CopyOnWriteArrayList<>();
            var subscription = tokenstream.subscribe(started.ws(), -1,
                    frame -> frames.add(new Seen(Micros.now(), frame.type())));
            awaitFrames(frames, FrameType.TOKEN, 5);
            long pauseSent = Micros.now();
            tokenstream.pause(started.streamId());
            long pausedAt = awaitFrames(frames, FrameType.PAUSED, 1);
            long lastTokenAt = frames.stream().filter(f -> f.type() == FrameType.TOKEN && f.at() < pausedAt)
                    .mapToLong(Seen::at).max().orElse(pauseSent);
            paused.recordValue(clamp(pausedAt - pauseSent));
            lastToken.recordValue(clamp(lastTokenAt - pauseSent));
            tokenstream.resume(started.streamId());
            awaitFrames(frames, FrameType.TOKEN, frames.stream().filter(f -> f.type() == FrameType.TOKEN).count() + 1);
            long cancelSent = Micros.now();
            tokenstream.cancel(started.streamId());
            long closedAt = awaitUpstreamClosed();
            cancelled.recordValue(clamp(awaitFrames(frames, FrameType.CANCELLED, 1) - cancelSent));
            closed.recordValue(clamp(closedAt - cancelSent));
            subscription.awaitClose(Duration.ofSeconds(10));
        }
        return new Control(Percentiles.of(paused), Percentiles.of(lastToken), Percentiles.of(cancelled),
                Percentiles.of(closed));
    }

    /**
     * The highest aggregate rate a system keeps with the p99 added latency under a bound.
     *
     * @param system         {@code tokenstream}, {@code direct} or {@code floor}
     * @param p99BoundMillis the bound
     * @param best           the scenario with the most tokens/s under the bound; null when one stream exceeds it
     * @param steps          every scenario run, in order: 1, 2, 4, ... concurrent streams, the last one over the
     *                       bound unless the search reached its most streams
     */
    public record Limit(String system, double p99BoundMillis, Result best, List<Result> steps) {
    }

    /**
     * Runs scenarios of 1, 2, 4, ... concurrent streams through one system until the p99 added latency reaches
     * {@code p99BoundMillis} or {@code maxStreams} is passed. One run per step: on a noisy machine a single slow
     * step ends the search.
     */
    public Limit limit(String system, int maxStreams, int maxTokens, double p99BoundMillis) throws Exception {
        List<Result> steps = new ArrayList<>();
        Result best = null;
        for (int streams = 1; streams <= maxStreams; streams *= 2) {
            Result step = run(system, streams, maxTokens);
            steps.add(step);
            if (step.addedLatency().p99() >= p99BoundMillis) {
                break;
            }
            if (best == null || step.tokensPerSecond() > best.tokensPerSecond()) {
                best = step;
            }
        }
        return new Limit(system, p99BoundMillis, best, steps);
    }

    /**
     * Streams through the system named.
     *
     * @param system {@code direct}, {@code floor} or {@code tokenstream}
     */
    public Result run(String system, int streams, int maxTokens) throws Exception {
        return run(system, streams, maxTokens, MODEL);
    }

    /** Streams the simulator's {@code model} through the system named. */
    public Result run(String system, int streams, int maxTokens, String model) throws Exception {
        return switch (system) {
            case "direct" -> direct(streams, maxTokens, model);
            case "floor" -> floor(streams, maxTokens, model);
            case "tokenstream" -> tokenstream(streams, maxTokens, model);
            default -> throw new IllegalArgumentException("no system " + system);
        };
    }

    /**
     * One stream read by many WebSocket subscribers at once (delivery's fan-out).
     *
     * @param system       tokenstream, or direct (the relay's plain broadcaster)
     * @param subscribers  clients reading the stream
     * @param tokens       tokens the stream had
     * @param received     token frames received by all subscribers together (subscribers x tokens when none is lost)
     * @param addedLatency per token and subscriber, milliseconds: receipt minus the simulator's write, over the
     *                     tokens written after the last subscriber had connected
     * @param connectMillis from the stream's start until every subscriber's handshake had completed
     */
    public record FanOut(String system, int subscribers, long tokens, long received, Percentiles addedLatency,
                         double connectMillis) {
    }

    /**
     * Starts one stream of {@code maxTokens} through Tokenstream and reads it with {@code subscribers} WebSockets
     * at once; the latency counts the tokens written once all of them are connected (earlier ones are read from the
     * log, as a late subscriber's are).
     */
    public FanOut fanOut(int subscribers, int maxTokens) throws Exception {
        String prompt = "bench fan-out " + UUID.randomUUID() + " An endless answer on how Kafka partitions keep order";
        long start = System.nanoTime();
        var started = tokenstream.create(StartStreamRequest.prompt("simulator", MODEL, prompt,
                new GenerationParams(maxTokens, null, 1L)).withBuffering(buffering));
        List<List<Long>> arrivals = new ArrayList<>();
        List<CompletableFuture<TokenstreamClient.Subscription>> subscriptions = new ArrayList<>();
        ExecutorService connectors = Executors.newFixedThreadPool(Math.min(subscribers, STARTERS));
        try {
            for (int i = 0; i < subscribers; i++) {
                List<Long> received = new CopyOnWriteArrayList<>();
                arrivals.add(received);
                subscriptions.add(CompletableFuture.supplyAsync(() -> tokenstream.subscribe(started.ws(), -1,
                        frame -> {
                            if (frame.isToken()) {
                                long now = Micros.now();
                                for (int t = 0; t < frame.tokenCount(); t++) {
                                    received.add(now);
                                }
                            }
                        }), connectors));
            }
            CompletableFuture.allOf(subscriptions.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
        } finally {
            connectors.shutdownNow();
        }
        long connectedAtMicros = Micros.now();
        double connectMillis = (System.nanoTime() - start) / 1e6;
        for (var subscription : subscriptions) {
            subscription.get().awaitClose(Duration.ofMinutes(5));
        }
        return fanOutResult("tokenstream", prompt, arrivals, connectedAtMicros, connectMillis);
    }

    /**
     * The same through the direct relay's plain broadcaster ({@code /broadcast}): {@code subscribers} WebSockets
     * connect, then one provider call streams, every token sent to each of them by one process, no Kafka between.
     */
    public FanOut fanOutRelay(int subscribers, int maxTokens) throws Exception {
        String prompt = "bench fan-out " + UUID.randomUUID() + " An endless answer on how Kafka partitions keep order";
        URI uri = URI.create(relay + "/broadcast/" + UUID.randomUUID() + "?subscribers=" + subscribers + "&model="
                + MODEL + "&maxTokens=" + maxTokens + "&prompt=" + URLEncoder.encode(prompt, StandardCharsets.UTF_8));
        long start = System.nanoTime();
        List<CompletableFuture<List<Long>>> sockets = new ArrayList<>();
        for (int i = 0; i < subscribers; i++) {
            sockets.add(relaySocket(uri));
        }
        // The last handshake starts the stream: every token is written after all are connected.
        long connectedAtMicros = Micros.now();
        double connectMillis = (System.nanoTime() - start) / 1e6;
        List<List<Long>> arrivals = new ArrayList<>();
        for (var socket : sockets) {
            arrivals.add(socket.get(5, TimeUnit.MINUTES));
        }
        return fanOutResult("direct", prompt, arrivals, connectedAtMicros, connectMillis);
    }

    /** Added latency per token and subscriber over the tokens the simulator wrote after every one had connected. */
    private FanOut fanOutResult(String system, String prompt, List<List<Long>> arrivals, long connectedAtMicros,
                                double connectMillis) throws IOException, InterruptedException {
        List<Long> written = written(prompt);
        var added = new Histogram(MAX_MICROS, 3);
        long received = 0;
        for (List<Long> times : arrivals) {
            received += times.size();
            for (int t = 0; t < Math.min(times.size(), written.size()); t++) {
                if (written.get(t) > connectedAtMicros) {
                    added.recordValue(clamp(times.get(t) - written.get(t)));
                }
            }
        }
        return new FanOut(system, arrivals.size(), written.size(), received, Percentiles.of(added), connectMillis);
    }

    /**
     * What active streams hold in each process of the stack.
     *
     * @param streams   streams open (each had its first token and kept streaming) at the measurement
     * @param processes per process, by name
     */
    public record Memory(int streams, Map<String, ProcessMemory> processes) {
    }

    /**
     * What the stack uses with no stream open: the cost of its timers, polls and heartbeats.
     *
     * @param seconds how long it was measured
     * @param cores   each process of the stack's CPU over that time, in cores (1.0: one core busy)
     */
    public record Idle(double seconds, Map<String, Double> cores) {

        /** @return the stack's processes together, in cores */
        public double total() {
            return cores.values().stream().mapToDouble(Double::doubleValue).sum();
        }
    }

    /**
     * Measures the idle stack: waits {@link #IDLE_SETTLE} for what the last scenario left (acknowledgements, the
     * processor's sweep), then takes every stack process's CPU over {@code window}.
     */
    public Idle idle(Duration window) throws InterruptedException {
        Thread.sleep(IDLE_SETTLE.toMillis());
        var usage = new ProcessUsage(tokenstreamPids);
        long start = System.nanoTime();
        Thread.sleep(window.toMillis());
        return new Idle(window.toMillis() / 1000.0, usage.coresOver(Duration.ofNanos(System.nanoTime() - start)));
    }

    /**
     * One process's memory without and with the streams open.
     *
     * @param liveHeapIdleMiB   live heap with no stream open: what a full collection keeps (the JVM's class
     *                          histogram), MiB; null when the JVM cannot be asked ({@code jcmd} missing)
     * @param liveHeapActiveMiB the same with the streams open
     * @param heapKiBPerStream  the difference, per stream, KiB
     * @param rssIdleMiB        resident set size with no stream open, MiB; null where unknown
     * @param rssActiveMiB      the same with the streams open (the JVM's heap grows in steps, so this is coarse)
     */
    public record ProcessMemory(Double liveHeapIdleMiB, Double liveHeapActiveMiB, Double heapKiBPerStream,
                                Double rssIdleMiB, Double rssActiveMiB) {
    }

    /**
     * Opens {@code streams} streams of {@link #TRICKLE} through Tokenstream, each with a WebSocket client, waits
     * until every client has its first token, measures each process, then cancels them all.
     */
    public Memory memory(int streams) throws Exception {
        Map<String, Double> idleHeap = new LinkedHashMap<>();
        Map<String, Double> idleRss = new LinkedHashMap<>();
        tokenstreamPids.forEach((name, pid) -> {
            idleHeap.put(name, ProcessUsage.liveHeapMiB(pid));
            idleRss.put(name, ProcessUsage.rssMiB(pid));
        });
        List<String> ids = new ArrayList<>();
        List<TokenstreamClient.Subscription> subscriptions = new ArrayList<>();
        var firstTokens = new CountDownLatch(streams);
        List<FrameType> endedEarly = new CopyOnWriteArrayList<>();
        try {
            for (int i = 0; i < streams; i++) {
                var started = tokenstream.create(StartStreamRequest.prompt("simulator", TRICKLE, "bench memory "
                        + UUID.randomUUID(), new GenerationParams(600, null, 1L)));
                ids.add(started.streamId());
                var first = new AtomicBoolean();
                subscriptions.add(tokenstream.subscribe(started.ws(), -1, frame -> {
                    if (frame.isTerminal() && !first.get()) {
                        endedEarly.add(frame.type());
                    }
                    if ((frame.isToken() || frame.isTerminal()) && first.compareAndSet(false, true)) {
                        firstTokens.countDown();
                    }
                }));
            }
            if (!firstTokens.await(5, TimeUnit.MINUTES)) {
                throw new IllegalStateException(firstTokens.getCount() + " of " + streams
                        + " memory streams had no token within 5 minutes");
            }
            if (!endedEarly.isEmpty()) {
                throw new IllegalStateException(endedEarly.size() + " of " + streams + " memory streams ended "
                        + "before their first token (" + endedEarly.get(0) + "); is " + TRICKLE
                        + " a profile of the simulator?");
            }
            Map<String, ProcessMemory> memory = new LinkedHashMap<>();
            tokenstreamPids.forEach((name, pid) -> {
                Double heap = ProcessUsage.liveHeapMiB(pid);
                Double idle = idleHeap.get(name);
                memory.put(name, new ProcessMemory(idle, heap,
                        heap == null || idle == null ? null : (heap - idle) * 1024 / streams,
                        idleRss.get(name), ProcessUsage.rssMiB(pid)));
            });
            return new Memory(streams, memory);
        } finally {
            for (String id : ids) {
                try {
                    tokenstream.cancel(id);
                } catch (TokenstreamException e) {
                    // already ended
                }
            }
            for (var subscription : subscriptions) {
                subscription.awaitClose(Duration.ofSeconds(30));
            }
        }
    }

    /** A frame's type and when it arrived, epoch microseconds. */
    /** The relay's frames are a subset of {@link DeliveryFrame}: type, text and emittedAtMicros. */
    private static DeliveryFrame readRelayFrame(String json) {
        try {
            return Json.MAPPER.readValue(json, DeliveryFrame.class);
        } catch (IOException e) {
            throw new UncheckedIOException("the direct relay sent a frame that is not JSON", e);
        }
    }

    private record Seen(long at, FrameType type) {
    }

    /** @return when the {@code count}-th frame of {@code type} arrived; waits up to 30 s */
    private static long awaitFrames(List<Seen> frames, FrameType type, long count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            List<Seen> matching = frames.stream().filter(f -> f.type() == type).toList();
            if (matching.size() >= count) {
                return matching.get((int) count - 1).at();
            }
            Thread.sleep(1);
        }
        throw new IllegalStateException("no " + type + " frame " + count + " within 30 s");
    }

    /** @return when the simulator first reported no open stream, polled every millisecond or so */
    private long awaitUpstreamClosed() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (openUpstreamStreams() == 0) {
                return Micros.now();
            }
            Thread.sleep(1);
        }
        throw new IllegalStateException("the simulator kept the cancelled stream open for 30 s");
    }

    private interface Streamer {
        CompletableFuture<List<Long>> stream(String prompt) throws Exception;
    }

    private Result run(String system, int streams, int maxTokens, Streamer streamer) throws Exception {
        List<String> prompts = new ArrayList<>();
        List<CompletableFuture<List<Long>>> runs = new ArrayList<>();
        pipeline.reset();
        var usage = new ProcessUsage(switch (system) {
            case "direct" -> relayPids;
            case "floor" -> floorPids;
            default -> tokenstreamPids;
        });
        long start = System.nanoTime();
        double seconds;
        int peakUpstream;
        // Streams start from a pool, not one after another: a start waits for the control API or a WebSocket
        // handshake, and 1000 of those in a row would have the first streams done before the last began.
        ExecutorService starters = Executors.newFixedThreadPool(Math.min(streams, STARTERS));
        try (var upstream = new UpstreamPeak()) {
            for (int i = 0; i < streams; i++) {
                // "endless": the simulator's answer is exactly maxTokens long, whatever the seed makes of it.
                String prompt = "bench " + UUID.randomUUID() + " An endless answer on how Kafka partitions keep order";
                prompts.add(prompt);
                runs.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return streamer.stream(prompt);
                    } catch (Exception e) {
                        throw new CompletionException(e);
                    }
                }, starters).thenCompose(received -> received));
            }
            CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
            seconds = (System.nanoTime() - start) / 1e9;
            peakUpstream = upstream.peak();
        } finally {
            starters.shutdownNow();
        }
        var added = new Histogram(MAX_MICROS, 3);
        var first = new Histogram(MAX_MICROS, 3);
        long tokens = 0;
        long missing = 0;
        for (int i = 0; i < streams; i++) {
            List<Long> received = runs.get(i).get();
            List<Long> written = written(prompts.get(i));
            int n = Math.min(received.size(), written.size());
            for (int t = 0; t < n; t++) {
                added.recordValue(clamp(received.get(t) - written.get(t)));
            }
            if (n > 0) {
                first.recordValue(clamp(received.get(0) - written.get(0)));
            }
            tokens += received.size();
            missing += Math.max(0, written.size() - received.size());
        }
        return new Result(system, streams, tokens, missing, peakUpstream, Percentiles.of(added), Percentiles.of(first),
                pipeline.getTotalCount() == 0 ? null : Percentiles.of(pipeline), tokens / seconds, seconds,
                usage.since(tokens));
    }

    /**
     * Polls the simulator's open streams every 50 ms on a thread of its own while a scenario runs.
     */
    private final class UpstreamPeak implements AutoCloseable {

        private final Thread poller;
        private volatile int peak;
        private volatile boolean stop;

        UpstreamPeak() {
            poller = new Thread(() -> {
                while (!stop) {
                    try {
                        peak = Math.max(peak, openUpstreamStreams());
                        Thread.sleep(50);
                    } catch (IOException e) {
                        // one missed sample
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bench-upstream-peak");
            poller.setDaemon(true);
            poller.start();
        }

        int peak() {
            return peak;
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            poller.join();
        }
    }

    /** @return the streams the simulator serves now ({@code openStreams} of {@code /simulator/stats}) */
    private int openUpstreamStreams() throws IOException, InterruptedException {
        HttpResponse<String> stats = http.send(HttpRequest.newBuilder(URI.create(simulator + "/simulator/stats"))
                .build(), HttpResponse.BodyHandlers.ofString());
        return Json.MAPPER.readTree(stats.body()).path("openStreams").asInt();
    }

    private static long clamp(long micros) {
        return Math.max(0, Math.min(MAX_MICROS, micros));
    }

    /** @return when the simulator wrote each content frame of the stream for {@code prompt}, epoch microseconds */
    private List<Long> written(String prompt) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(simulator
                        + "/simulator/timeline?prompt=" + URLEncoder.encode(prompt, StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("the simulator has no timeline for a benchmark stream: "
                    + response.statusCode());
        }
        List<Long> written = new ArrayList<>();
        for (JsonNode t : Json.MAPPER.readTree(response.body()).path("contentWrittenAtMicros")) {
            written.add(t.asLong());
        }
        return written;
    }
}
