package dev.tokenstream.simulator.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenstream.simulator.config.SimulatorConfig;
import dev.tokenstream.simulator.config.SimulatorConfig.LatencyProfile;
import dev.tokenstream.simulator.generation.SimulatedAnswer;
import dev.tokenstream.simulator.generation.TextGenerator;
import dev.tokenstream.simulator.stream.Fault;
import dev.tokenstream.simulator.stream.SimulatedStreams;
import dev.tokenstream.simulator.stream.Transcripts;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.inject.Singleton;
import jakarta.enterprise.event.Observes;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OpenAI Chat Completions endpoint, {@code POST /v1/chat/completions}, that streams simulated answers in the
 * wire format of docs/provider-wire-formats.md section 1: data-only SSE, a role chunk, content
 * deltas one token each (or {@code tool_calls} fragments when the request offers tools and the conversation does
 * not end with their results ({@code tool} messages), finish reason
 * {@code tool_calls}), a finish chunk, a usage chunk with {@code choices:[]} when
 * {@code stream_options.include_usage} is set, then {@code data: [DONE]}. Delays follow the model's latency
 * profile. Faults ({@link Fault}) are answered as OpenAI does: an error object with HTTP 429 (and
 * {@code Retry-After}), 500 or 529, and mid-stream a {@code data: {"error": ...}} line. Model
 * {@code transcript:<file>} replays a recorded SSE file. Without {@code stream} it answers one
 * {@code chat.completion} object. A {@code reasoning_effort} above {@code minimal} makes the model think first:
 * reasoning deltas in {@code delta.reasoning_content}, as DeepSeek's and vLLM's OpenAI-compatible servers send them.
 * With vLLM's {@code continue_final_message} the conversation's final assistant message is a partial answer, and the
 * model goes on from it ({@link SimulatedAnswer#continuation}).
 */
@Singleton
public class ChatCompletionsRoute extends ProtocolRoute {

    private static final String REASONING_FIELD = "reasoning_content";

    private final AtomicLong ids = new AtomicLong();

    public ChatCompletionsRoute(SimulatorConfig config, ObjectMapper mapper, Vertx vertx, SimulatedStreams streams,
                                Transcripts transcripts) {
        super(config, mapper, vertx, streams, transcripts);
    }

    /** Loads the tokenizer's vocabulary now, not on the first request (it takes about a second). */
    void warmUp(@Observes StartupEvent event) {
        TextGenerator.countTokens("warm up");
    }

    void routes(@Observes Router router) {
        router.post("/v1/chat/completions").handler(BodyHandler.create().setBodyLimit(1 << 20))
                .handler(this::chatCompletions);
    }

    @Override
    protected String missingFields(JsonNode body) {
        return body.path("model").isTextual() && body.path("messages").isArray() ? null
                : "Both 'model' (string) and 'messages' (array) are required.";
    }

    @Override
    protected void badRequest(RoutingContext ctx, String message) {
        error(ctx, 400, "invalid_request_error", null, message);
    }

    @Override
    protected void modelNotFound(RoutingContext ctx, String message) {
        error(ctx, 404, "invalid_request_error", "model_not_found", message);
    }

    private void chatCompletions(RoutingContext ctx) {
        Simulation request = resolve(ctx);
        if (request == null) {
            return;
        }
        JsonNode body = request.body();
        LatencyProfile profile = request.profile();
        String prompt = request.prompt();
        Fault fault = request.fault();
        var model = ModelName.of(request.model());
        List<String> tools = new ArrayList<>();
        if (!ModelName.endsWithToolResult(body.path("messages"))) {
            body.path("tools").forEach(tool -> tools.add(tool.path("function").path("name").asText("tool")));
        }
        int maxTokens = body.path("max_completion_tokens").asInt(body.path("max_tokens").asInt(config.defaultMaxTokens()));
        // A reasoning effort above minimal thinks first, streamed as delta.reasoning_content (DeepSeek's, vLLM's).
        String effort = body.path("reasoning_effort").asText("none");
        boolean reasoning = !effort.equals("none") && !effort.equals("minimal");
        // vLLM's continue_final_message: the final assistant message is a partial answer to go on from.
        String partial = body.path("continue_final_message").asBoolean(false)
                ? ModelName.finalAssistantText(body.path("messages")) : null;
        var answer = partial != null
                ? SimulatedAnswer.continuation(prompt, body.path("seed").asLong(0), partial, maxTokens)
                : SimulatedAnswer.plan(prompt, body.path("seed").asLong(0), maxTokens, tools, reasoning, "call_");
        String id = "chatcmpl-sim-" + ids.incrementAndGet();
        long created = System.currentTimeMillis() / 1000;
        String finishReason = !answer.toolCalls().isEmpty() ? "tool_calls" : answer.truncated() ? "length" : "stop";
        if (!body.path("stream").asBoolean(false)) {
            vertx.setTimer(Math.max(1, profile.ttftMillis() + profile.itlMillis() * answer.text().size()),
                    t -> completion(ctx, id, created, model.name(), answer, finishReason));
            return;
        }
        var chunks = new Chunks(id, created, model.name(), body.path("stream_options").path("include_usage")
                .asBoolean(false));
        List<String> frames = new ArrayList<>();
        frames.add(chunks.delta(mapper.createObjectNode().put("role", "assistant").put("content", ""), null));
        for (String token : answer.reasoning()) {
            frames.add(chunks.delta(mapper.createObjectNode().put(REASONING_FIELD, token), null));
        }
        for (String token : answer.text()) {
            frames.add(chunks.delta(mapper.createObjectNode().put("content", token), null));
        }
        for (int i = 0; i < answer.toolCalls().size(); i++) {
            var call = answer.toolCalls().get(i);
            for (int f = 0; f < call.fragments().size(); f++) {
                ObjectNode delta = mapper.createObjectNode();
                ObjectNode toolCall = delta.putArray("tool_calls").addObject().put("index", i);
                ObjectNode function = toolCall.putObject("function");
                if (f == 0) {
                    toolCall.put("id", call.id()).put("type", "function");
                    function.put("name", call.name()).put("arguments", "");
                    frames.add(chunks.delta(delta.deepCopy(), null));
                }
                function.put("arguments", call.fragments().get(f));
                if (f == 0) {
                    toolCall.remove("id");
                    toolCall.remove("type");
                    function.remove("name");
                }
                frames.add(chunks.delta(delta, null));
            }
        }
        int lastContent = frames.size() - 1;
        frames.add(chunks.delta(mapper.createObjectNode(), finishReason));
        if (chunks.includeUsage) {
            ObjectNode usage = mapper.createObjectNode()
                    .put("prompt_tokens", answer.promptTokens())
                    .put("completion_tokens", answer.outputTokens())
                    .put("total_tokens", answer.promptTokens() + answer.outputTokens());
            ObjectNode usageChunk = chunks.envelope();
            usageChunk.putArray("choices");
            usageChunk.set("usage", usage);
            frames.add(serverSentEvent(null, usageChunk.toString()));
        }
        frames.add(serverSentEvent(null, "[DONE]"));
        long ttft = fault != null && fault.kind() == Fault.Kind.SLOW_FIRST_TOKEN ? fault.millis() : profile.ttftMillis();
        // The role chunk goes out with the first token, as the providers send it.
        streams.write(ctx, frames, i -> i == 0 ? 0 : i == 1 ? SimulatedStreams.jittered(ttft, profile.jitter())
                : SimulatedStreams.gap(profile, i - 1),
                fault, fault == null ? -1 : Math.min(lastContent, fault.after()), serverSentEvent(null,
                        errorBody("server_error", null, "The server had an error processing your request (simulated).")
                                .toString()), prompt);
        Log.debugf("simulating %s for model %s: %d tokens", id, model.name(), answer.text().size());
    }

    @Override
    protected void answerFault(RoutingContext ctx, Fault fault) {
        switch (fault.kind()) {
            case RATE_LIMITED -> {
                ctx.response().putHeader("retry-after", String.valueOf(fault.retryAfter()));
                error(ctx, 429, "requests", "rate_limit_exceeded",
                        "Rate limit reached (simulated). Please try again in " + fault.retryAfter() + "s.");
            }
            case OVERLOADED -> error(ctx, 529, "server_error", "overloaded", "The server is overloaded (simulated).");
            default -> error(ctx, 500, "server_error", null,
                    "The server had an error while processing your request (simulated).");
        }
    }

    /** Frames chunks of one completion. */
    private final class Chunks {
        final String id;
        final long created;
        final String model;
        final boolean includeUsage;

        Chunks(String id, long created, String model, boolean includeUsage) {
            this.id = id;
            this.created = created;
            this.model = model;
            this.includeUsage = includeUsage;
        }

        ObjectNode envelope() {
            return mapper.createObjectNode().put("id", id).put("object", "chat.completion.chunk")
                    .put("created", created).put("model", model).put("system_fingerprint", "fp_tokenstream_sim");
        }

        String delta(ObjectNode delta, String finishReason) {
            ObjectNode chunk = envelope();
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
            return serverSentEvent(null, chunk.toString());
        }
    }

    private void completion(RoutingContext ctx, String id, long created, String model, SimulatedAnswer answer,
                            String finishReason) {
        ObjectNode body = mapper.createObjectNode().put("id", id).put("object", "chat.completion")
                .put("created", created).put("model", model);
        ObjectNode choice = body.putArray("choices").addObject().put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant")
                .put("content", String.join("", answer.text()));
        if (!answer.reasoning().isEmpty()) {
            message.put(REASONING_FIELD, String.join("", answer.reasoning()));
        }
        if (!answer.toolCalls().isEmpty()) {
            ArrayNode calls = message.putArray("tool_calls");
            answer.toolCalls().forEach(call -> calls.addObject().put("id", call.id()).put("type", "function")
                    .putObject("function").put("name", call.name()).put("arguments", call.arguments()));
        }
        choice.put("finish_reason", finishReason);
        body.putObject("usage").put("prompt_tokens", answer.promptTokens())
                .put("completion_tokens", answer.outputTokens())
                .put("total_tokens", answer.promptTokens() + answer.outputTokens());
        ctx.response().putHeader("content-type", "application/json").end(body.toString());
    }

    private ObjectNode errorBody(String type, String code, String message) {
        ObjectNode body = mapper.createObjectNode();
        ObjectNode error = body.putObject("error").put("message", message).put("type", type);
        error.putNull("param");
        if (code == null) {
            error.putNull("code");
        } else {
            error.put("code", code);
        }
        return body;
    }

    private void error(RoutingContext ctx, int status, String type, String code, String message) {
        ctx.response().setStatusCode(status).putHeader("content-type", "application/json")
                .end(errorBody(type, code, message).toString());
    }
}
