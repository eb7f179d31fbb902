package dev.tokenstream.simulator.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenstream.simulator.config.SimulatorConfig;
import io.quarkus.logging.Log;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Writes simulated SSE answers, frame by frame on Vert.x timers, for every protocol the simulator speaks, and
 * counts them: {@code GET /simulator/stats} answers how many upstream streams are open right now, started, and
 * closed by the client before their end (how tests see a cancel close the connection); {@code GET
 * /simulator/closed?prompt=} answers when the client of the latest stream for that prompt closed it (how soon).
 * Injects the mid-stream
 * {@link Fault}s. {@code GET /simulator/timeline?prompt=} answers when each content frame of the latest stream
 * for that prompt was written (epoch microseconds, this machine's clock): the benchmark's reference time.
 * {@code GET /simulator/received?prompt=} answers what the latest request ending with that user message sent
 * ({@code messages}, and Anthropic's {@code system}): the conversation a provider received.
 */
@ApplicationScoped
public class SimulatedStreams {

    /** Gap between two frames, by the index of the later one. */
    public interface Delays {
        long before(int index);
    }

    private final ObjectMapper mapper;
    private final Vertx vertx;
    private final AtomicLong openStreams = new AtomicLong();
    private final AtomicLong streamsStarted = new AtomicLong();
    private final AtomicLong streamsClosedByClient = new AtomicLong();
    /**
     * When a client closed a stream before its end, epoch milliseconds, by the request's last user message, the
     * latest {@value #RECEIVED}.
     */
    private final Map<String, Long> closedByClientAt = latest(RECEIVED);

    private final AtomicLong faultsInjected = new AtomicLong();
    private final Map<String, AtomicInteger> faultCounts = new ConcurrentHashMap<>();
    /** Content frame write times by prompt, the latest {@value #TIMELINES} prompts. */
    private final Map<String, List<Long>> timelines = latest(TIMELINES);
    private static final int TIMELINES = 20_000;
    /** The conversation of the latest request by its last user message, the latest {@value #RECEIVED} prompts. */
    private final Map<String, ObjectNode> received = latest(RECEIVED);
    private static final int RECEIVED = 1_000;

    /** @return a thread-safe map that keeps the {@code limit} latest keys put */
    private static <V> Map<String, V> latest(int limit) {
        return Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > limit;
            }
        });
    }

    public SimulatedStreams(ObjectMapper mapper, Vertx vertx) {
        this.mapper = mapper;
        this.vertx = vertx;
    }

    void routes(@Observes Router router) {
        router.get("/simulator/stats").handler(this::stats);
        router.get("/simulator/timeline").handler(this::timeline);
        router.get("/simulator/received").handler(this::received);
        router.get("/simulator/closed").handler(this::closed);
    }

    /**
     * Notes what a request sent: its {@code system} (Anthropic's) and {@code messages}, answered by
     * {@code GET /simulator/received?prompt=} for the latest request whose last user message was {@code prompt}.
     */
    public void received(String prompt, JsonNode body) {
        if (prompt == null) {
            return;
        }
        ObjectNode sent = mapper.createObjectNode();
        if (body.has("system")) {
            sent.set("system", body.get("system"));
        }
        sent.set("messages", body.path("messages"));
        received.put(prompt, sent);
    }

    private void closed(RoutingContext ctx) {
        answerForPrompt(ctx, closedByClientAt, "no stream for this prompt was closed by its client",
                at -> mapper.createObjectNode().put("closedByClientAtMillis", at));
    }

    private void received(RoutingContext ctx) {
        answerForPrompt(ctx, received, "no request with this last user message", sent -> sent);
    }

    private void timeline(RoutingContext ctx) {
        answerForPrompt(ctx, timelines, "no stream for this prompt", written -> {
            ObjectNode body = mapper.createObjectNode();
            var array = body.putArray("contentWrittenAtMicros");
            synchronized (written) {
                written.forEach(array::add);
            }
            return body;
        });
    }

    /** Answers what {@code byPrompt} holds for the {@code prompt} query parameter as JSON; 404 with {@code missing}. */
    private <V> void answerForPrompt(RoutingContext ctx, Map<String, V> byPrompt, String missing,
                                     Function<V, ObjectNode> json) {
        String prompt = ctx.queryParams().get("prompt");
        V value = prompt == null ? null : byPrompt.get(prompt);
        if (value == null) {
            ctx.response().setStatusCode(404).putHeader("content-type", "application/json")
                    .end(mapper.createObjectNode().put("error", missing).toString());
            return;
        }
        ctx.response().putHeader("content-type", "application/json").end(json.apply(value).toString());
    }

    /** @return whether an SSE frame carries answer text (OpenAI content, Anthropic text_delta) */
    private static boolean isContent(String frame) {
        return frame.contains("\"text_delta\"")
                || (frame.contains("\"content\":\"") && !frame.contains("\"content\":\"\""));
    }

    private void stats(RoutingContext ctx) {
        ObjectNode body = mapper.createObjectNode()
                .put("openStreams", openStreams.get())
                .put("streamsStarted", streamsStarted.get())
                .put("streamsClosedByClient", streamsClosedByClient.get())
                .put("faultsInjected", faultsInjected.get());
        ctx.response().putHeader("content-type", "application/json").end(body.toString());
    }

    /**
     * The fault this request asks for, from the {@link Fault#HEADER} header or the part of the model name after
     * {@code ?}, unless its {@code times} are used up for this prompt.
     *
     * @param modelQuery the model name's part after {@code ?}, or null
     * @return the fault to inject, or null for none
     * @throws IllegalArgumentException when the spec is malformed
     */
    public Fault faultFor(RoutingContext ctx, String modelQuery, String prompt) {
        String spec = ctx.request().getHeader(Fault.HEADER);
        if (spec == null) {
            spec = modelQuery;
        }
        if (spec == null || spec.isBlank()) {
            return null;
        }
        Fault fault = Fault.parse(spec);
        if (fault.times() > 0) {
            int seen = faultCounts.computeIfAbsent(fault.spec() + "\n" + prompt, k -> new AtomicInteger())
                    .getAndIncrement();
            if (seen >= fault.times()) {
                return null;
            }
        }
        faultsInjected.incrementAndGet();
        Log.infof("injecting fault %s", fault.spec());
        return fault;
    }

    /**
     * Streams {@code frames} (each already framed as SSE, ending in a blank line) with {@code delays} between
     * them. A mid-stream {@code fault} takes effect after frame {@code faultAt}: a midstream error writes
     * {@code errorFrame} and ends, a stall waits, a drop closes the connection. A client that closes the
     * connection ends the stream at once.
     */
    public void write(RoutingContext ctx, List<String> frames, Delays delays, Fault fault, int faultAt,
                      String errorFrame, String prompt) {
        List<Long> written = Collections.synchronizedList(new ArrayList<>());
        if (prompt != null) {
            timelines.put(prompt, written);
        }
        HttpServerResponse response = ctx.response();
        response.setChunked(true)
                .putHeader("content-type", "text/event-stream; charset=utf-8")
                .putHeader("cache-control", "no-cache");
        openStreams.incrementAndGet();
        streamsStarted.incrementAndGet();
        var state = new Object() {
            boolean done;
            long timer = -1;
        };
        Runnable finish = () -> {
            if (!state.done) {
                state.done = true;
                openStreams.decrementAndGet();
            }
        };
        response.closeHandler(v -> {
            if (!state.done) {
                streamsClosedByClient.incrementAndGet();
                if (prompt != null) {
                    closedByClientAt.put(prompt, System.currentTimeMillis());
                }
                vertx.cancelTimer(state.timer);
                finish.run();
                Log.debugf("client closed a stream after it started");
            }
        });
        response.writeHead();
        Fault.Kind kind = fault == null ? null : fault.kind();
        var next = new Object() {
            void send(int index) {
                if (state.done) {
                    return;
                }
                if (index == frames.size()) {
                    finish.run();
                    response.end();
                    return;
                }
                if (isContent(frames.get(index))) {
                    // Taken before the write: the client may have the bytes before write() returns.
                    written.add(ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now()));
                }
                response.write(frames.get(index));
                long delay = delays.before(index + 1);
                if (index == faultAt && kind != null) {
                    switch (kind) {
                        case MIDSTREAM_ERROR -> {
                            response.write(errorFrame);
                            finish.run();
                            response.end();
                            return;
                        }
                        case DROP -> {
                            finish.run();
                            ctx.request().connection().close();
                            return;
                        }
                        case STALL -> delay = Math.round(fault.seconds() * 1000);
                        default -> { }
                    }
                }
                if (delay <= 0 && kind != Fault.Kind.STALL) {
                    send(index + 1); // back to back: a fast profile's chunks within one tick
                    return;
                }
                state.timer = vertx.setTimer(Math.max(1, delay), t -> send(index + 1));
            }
        };
        state.timer = vertx.setTimer(Math.max(1, delays.before(0)), t -> next.send(0));
    }

    /**
     * @param content a content chunk's index after the first (1 for the second chunk)
     * @return the delay before it: the profile's inter-token latency, jittered, before every
     *         {@code chunks-per-tick}-th chunk, 0 (back to back) before the others
     */
    public static long gap(SimulatorConfig.LatencyProfile profile, int content) {
        return content % Math.max(1, profile.chunksPerTick()) == 0 ? jittered(profile.itlMillis(), profile.jitter()) : 0;
    }

    /** @return {@code millis} give or take {@code jitter} (a fraction), uniformly */
    public static long jittered(long millis, double jitter) {
        double factor = 1 + jitter * (ThreadLocalRandom.current().nextDouble() * 2 - 1);
        return Math.round(millis * factor);
    }
}
