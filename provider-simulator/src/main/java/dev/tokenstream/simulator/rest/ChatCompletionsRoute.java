package dev.tokenstream.simulator.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenstream.simulator.config.SimulatorConfig;
import dev.tokenstream.simulator.config.SimulatorConfig.LatencyProfile;
import dev.tokenstream.simulator.generation.TextGenerator;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OpenAI Chat Completions endpoint, {@code POST /v1/chat/completions}, that streams simulated answers in the
 * wire format of ../shared/reference/provider-wire-formats.md section 1: data-only SSE, a role chunk, content
 * deltas one token each, a finish chunk, a usage chunk with {@code choices:[]} when
 * {@code stream_options.include_usage} is set, then {@code data: [DONE]}. Delays follow the model's latency
 * profile. Model {@code transcript:<file>} replays a recorded SSE file event by event. Without {@code stream}
 * it answers one {@code chat.completion} object. {@code GET /simulator/stats} counts open upstream streams, so
 * tests can see a cancel close the connection.
 */
@ApplicationScoped
public class ChatCompletionsRoute {

    static final String TRANSCRIPT_PREFIX = "transcript:";
    /** Request header that sets the gap between replayed transcript events, milliseconds. */
    static final String PACE_HEADER = "x-simulator-pace-millis";

    private final SimulatorConfig config;
    private final ObjectMapper mapper;
    private final Vertx vertx;
    private final AtomicLong openStreams = new AtomicLong();
    private final AtomicLong streamsStarted = new AtomicLong();
    private final AtomicLong streamsClosedByClient = new AtomicLong();
    private final AtomicLong ids = new AtomicLong();

    public ChatCompletionsRoute(SimulatorConfig config, ObjectMapper mapper, Vertx vertx) {
        this.config = config;
        this.mapper = mapper;
        this.vertx = vertx;
    }

    /** Loads the tokenizer's vocabulary now, not on the first request (it takes about a second). */
    void warmUp(@Observes StartupEvent event) {
        TextGenerator.countTokens("warm up");
    }

    void routes(@Observes Router router) {
        router.post("/v1/chat/completions").handler(BodyHandler.create().setBodyLimit(1 << 20))
                .handler(this::chatCompletions);
        router.get("/simulator/stats").handler(this::stats);
    }

    private void stats(RoutingContext ctx) {
        ObjectNode body = mapper.createObjectNode()
                .put("openStreams", openStreams.get())
                .put("streamsStarted", streamsStarted.get())
                .put("streamsClosedByClient", streamsClosedByClient.get());
        ctx.response().putHeader("content-type", "application/json").end(body.toString());
    }

    private void chatCompletions(RoutingContext ctx) {
        JsonNode body;
        try {
            body = mapper.readTree(ctx.body().asString());
        } catch (IOException | RuntimeException e) {
            error(ctx, 400, "invalid_request_error", null, "We could not parse the JSON body of your request.");
            return;
        }
        if (body == null || !body.path("model").isTextual() || !body.path("messages").isArray()) {
            error(ctx, 400, "invalid_request_error", null, "Both 'model' (string) and 'messages' (array) are required.");
            return;
        }
        String model = body.path("model").asText();
        boolean stream = body.path("stream").asBoolean(false);
        boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
        if (model.startsWith(TRANSCRIPT_PREFIX)) {
            replayTranscript(ctx, model.substring(TRANSCRIPT_PREFIX.length()));
            return;
        }
        LatencyProfile profile = config.profiles().get(model);
        if (profile == null) {
            error(ctx, 404, "invalid_request_error", "model_not_found", "The model '" + model
                    + "' does not exist. Simulated models: " + config.profiles().keySet()
                    + ", or transcript:<file>.");
            return;
        }
        String prompt = lastUserMessage(body.path("messages"));
        int maxTokens = body.path("max_completion_tokens").asInt(body.path("max_tokens").asInt(config.defaultMaxTokens()));
        var completion = TextGenerator.generate(prompt, body.path("seed").asLong(0), Math.max(1, maxTokens));
        int promptTokens = TextGenerator.countTokens(prompt);
        String id = "chatcmpl-sim-" + ids.incrementAndGet();
        long created = System.currentTimeMillis() / 1000;
        if (!stream) {
            vertx.setTimer(Math.max(1, profile.ttftMillis() + profile.itlMillis() * completion.tokens().size()),
                    t -> completion(ctx, id, created, model, completion, promptTokens));
            return;
        }
        List<String> events = new ArrayList<>();
        events.add(chunk(id, created, model, includeUsage, mapper.createObjectNode().put("role", "assistant").put("content", ""), null));
        for (String token : completion.tokens()) {
            events.add(chunk(id, created, model, includeUsage, mapper.createObjectNode().put("content", token), null));
        }
        events.add(chunk(id, created, model, includeUsage, mapper.createObjectNode(), completion.finishReason()));
        if (includeUsage) {
            ObjectNode usage = mapper.createObjectNode()
                    .put("prompt_tokens", promptTokens)
                    .put("completion_tokens", completion.tokens().size())
                    .put("total_tokens", promptTokens + completion.tokens().size());
            ObjectNode usageChunk = chunkEnvelope(id, created, model);
            usageChunk.putArray("choices");
            usageChunk.set("usage", usage);
            events.add(usageChunk.toString());
        }
        events.add("[DONE]");
        // The role chunk goes out with the first token, as the providers send it.
        stream(ctx, events, i -> i == 0 ? 0 : i == 1 ? jittered(profile.ttftMillis(), profile.jitter())
                : jittered(profile.itlMillis(), profile.jitter()), false);
        Log.debugf("simulating %s for model %s: %d tokens", id, model, completion.tokens().size());
    }

    private void replayTranscript(RoutingContext ctx, String name) {
        String text;
        try {
            text = readTranscript(name);
        } catch (IOException e) {
            error(ctx, 404, "invalid_request_error", "model_not_found", "No transcript named '" + name + "'.");
            return;
        }
        long pace = Long.parseLong(ctx.request().headers().get(PACE_HEADER) == null ? "20"
                : ctx.request().headers().get(PACE_HEADER));
        List<String> events = new ArrayList<>();
        for (String event : text.split("\n\n")) {
            if (!event.isBlank()) {
                events.add(event);
            }
        }
        stream(ctx, events, i -> pace, true);
    }

    private String readTranscript(String name) throws IOException {
        if (name.contains("/") || name.contains("..")) {
            throw new IOException("bad transcript name");
        }
        if (config.transcriptsDir().isPresent()) {
            Path file = Path.of(config.transcriptsDir().get(), name.endsWith(".sse") ? name : name + ".sse");
            if (Files.isRegularFile(file)) {
                return Files.readString(file, StandardCharsets.UTF_8);
            }
        }
        String resource = "transcripts/" + (name.endsWith(".sse") ? name : name + ".sse");
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("no transcript " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private interface Delays {
        long before(int index);
    }

    /**
     * Writes SSE events one by one on Vert.x timers. {@code raw} events are written as recorded; the others are
     * framed as {@code data: <json>}. A client that closes the connection ends the stream at once.
     */
    private void stream(RoutingContext ctx, List<String> events, Delays delays, boolean raw) {
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
                vertx.cancelTimer(state.timer);
                finish.run();
                Log.debugf("client closed a stream after it started");
            }
        });
        response.writeHead();
        var next = new Object() {
            void send(int index) {
                if (state.done) {
                    return;
                }
                if (index == events.size()) {
                    finish.run();
                    response.end();
                    return;
                }
                String event = events.get(index);
                response.write(raw ? event + "\n\n" : "data: " + event + "\n\n");
                state.timer = vertx.setTimer(Math.max(1, delays.before(index + 1)), t -> send(index + 1));
            }
        };
        state.timer = vertx.setTimer(Math.max(1, delays.before(0)), t -> next.send(0));
    }

    private void completion(RoutingContext ctx, String id, long created, String model,
                            TextGenerator.Completion completion, int promptTokens) {
        ObjectNode body = mapper.createObjectNode().put("id", id).put("object", "chat.completion")
                .put("created", created).put("model", model);
        ObjectNode choice = body.putArray("choices").addObject().put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", completion.text());
        choice.put("finish_reason", completion.finishReason());
        body.putObject("usage").put("prompt_tokens", promptTokens)
                .put("completion_tokens", completion.tokens().size())
                .put("total_tokens", promptTokens + completion.tokens().size());
        ctx.response().putHeader("content-type", "application/json").end(body.toString());
    }

    private ObjectNode chunkEnvelope(String id, long created, String model) {
        return mapper.createObjectNode().put("id", id).put("object", "chat.completion.chunk").put("created", created)
                .put("model", model).put("system_fingerprint", "fp_tokenstream_sim");
    }

    private String chunk(String id, long created, String model, boolean includeUsage, ObjectNode delta,
                         String finishReason) {
        ObjectNode chunk = chunkEnvelope(id, created, model);
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        if (includeUsage) {
            chunk.putNull("usage");
        }
        return chunk.toString();
    }

    private void error(RoutingContext ctx, int status, String type, String code, String message) {
        ObjectNode body = mapper.createObjectNode();
        ObjectNode error = body.putObject("error").put("message", message).put("type", type);
        error.putNull("param");
        if (code == null) {
            error.putNull("code");
        } else {
            error.put("code", code);
        }
        ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.toString());
    }

    private static String lastUserMessage(JsonNode messages) {
        String prompt = "";
        for (JsonNode message : messages) {
            if ("user".equals(message.path("role").asText())) {
                prompt = message.path("content").asText("");
            }
        }
        return prompt;
    }

    private static long jittered(long millis, double jitter) {
        double factor = 1 + jitter * (ThreadLocalRandom.current().nextDouble() * 2 - 1);
        return Math.round(millis * factor);
    }
}
