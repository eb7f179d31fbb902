package dev.tokenstream.simulator.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenstream.simulator.config.SimulatorConfig;
import dev.tokenstream.simulator.config.SimulatorConfig.LatencyProfile;
import dev.tokenstream.simulator.generation.SimulatedAnswer;
import dev.tokenstream.simulator.stream.Fault;
import dev.tokenstream.simulator.stream.SimulatedStreams;
import dev.tokenstream.simulator.stream.Transcripts;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.inject.Singleton;
import jakarta.enterprise.event.Observes;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An Anthropic Messages endpoint, {@code POST /v1/messages}, streaming simulated answers in the wire format of
 * docs/provider-wire-formats.md section 3: named SSE events {@code message_start} (input tokens),
 * {@code ping}, per content block {@code content_block_start}, {@code content_block_delta}s and
 * {@code content_block_stop}, then {@code message_delta} (stop reason, cumulative output tokens) and
 * {@code message_stop}. With {@code thinking.type: enabled} a thinking block ({@code thinking_delta}s, then a
 * {@code signature_delta}) comes first; a request with {@code tools} gets {@code tool_use} blocks whose input
 * streams as {@code input_json_delta} fragments, stop reason {@code tool_use}, unless the conversation ends with
 * their results ({@code tool_result} blocks): then it answers in text. A final assistant message is a prefill: the
 * answer goes on from it ({@link SimulatedAnswer#continuation}); one ending in whitespace is refused with 400, as
 * Anthropic does. Same latency profiles, faults and
 * transcripts as the OpenAI route; faults are answered as Anthropic does: HTTP 429 {@code rate_limit_error} with
 * {@code retry-after}, 500 {@code api_error}, 529 {@code overloaded_error}, and mid-stream an {@code error} event.
 */
@Singleton
public class MessagesRoute extends ProtocolRoute {

    private final AtomicLong ids = new AtomicLong();

    public MessagesRoute(SimulatorConfig config, ObjectMapper mapper, Vertx vertx, SimulatedStreams streams,
                         Transcripts transcripts) {
        super(config, mapper, vertx, streams, transcripts);
    }

    void routes(@Observes Router router) {
        router.post("/v1/messages").handler(BodyHandler.create().setBodyLimit(1 << 20)).handler(this::messages);
    }

    @Override
    protected String missingFields(JsonNode body) {
        return body.path("model").isTextual() && body.path("messages").isArray()
                && body.path("max_tokens").canConvertToInt() ? null
                : "'model' (string), 'max_tokens' (integer) and 'messages' (array) are required.";
    }

    @Override
    protected void badRequest(RoutingContext ctx, String message) {
        error(ctx, 400, "invalid_request_error", message);
    }

    @Override
    protected void modelNotFound(RoutingContext ctx, String message) {
        error(ctx, 404, "not_found_error", message);
    }

    private void messages(RoutingContext ctx) {
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
            body.path("tools").forEach(tool -> tools.add(tool.path("name").asText("tool")));
        }
        boolean thinking = "enabled".equals(body.path("thinking").path("type").asText());
        // A final assistant message is a prefill: the answer goes on from it. Anthropic refuses one that ends in
        // whitespace.
        String prefill = ModelName.finalAssistantText(body.path("messages"));
        if (prefill != null && !prefill.isEmpty() && Character.isWhitespace(prefill.charAt(prefill.length() - 1))) {
            badRequest(ctx, "messages: final assistant content cannot end with trailing whitespace");
            return;
        }
        var answer = prefill != null ? SimulatedAnswer.continuation(prompt, 0, prefill, body.path("max_tokens").asInt())
                : SimulatedAnswer.plan(prompt, 0, body.path("max_tokens").asInt(), tools, thinking, "toolu_");
        String id = "msg_sim" + ids.incrementAndGet();
        String stopReason = !answer.toolCalls().isEmpty() ? "tool_use" : answer.truncated() ? "max_tokens" : "end_turn";
        if (!body.path("stream").asBoolean(false)) {
            vertx.setTimer(Math.max(1, profile.ttftMillis() + profile.itlMillis() * answer.text().size()),
                    t -> message(ctx, id, model.name(), answer, stopReason));
            return;
        }
        List<String> frames = new ArrayList<>();
        ObjectNode start = mapper.createObjectNode().put("type", "message_start");
        ObjectNode message = envelope(start.putObject("message"), id, model.name());
        message.putArray("content");
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        message.putObject("usage").put("input_tokens", answer.promptTokens()).put("cache_creation_input_tokens", 0)
                .put("cache_read_input_tokens", 0).put("output_tokens", 1);
        frames.add(serverSentEvent("message_start", start));
        frames.add(serverSentEvent("ping", mapper.createObjectNode().put("type", "ping")));
        int firstContent = frames.size();
        int block = 0;
        if (!answer.reasoning().isEmpty()) {
            ObjectNode thinkingBlock = mapper.createObjectNode().put("type", "thinking").put("thinking", "")
                    .put("signature", "");
            frames.add(blockStart(block, thinkingBlock));
            for (String token : answer.reasoning()) {
                frames.add(blockDelta(block, mapper.createObjectNode().put("type", "thinking_delta")
                        .put("thinking", token)));
            }
            frames.add(blockDelta(block, mapper.createObjectNode().put("type", "signature_delta")
                    .put("signature", "c2ltdWxhdGVkLXNpZ25hdHVyZQ==")));
            frames.add(blockStop(block++));
        }
        if (!answer.text().isEmpty()) {
            frames.add(blockStart(block, mapper.createObjectNode().put("type", "text").put("text", "")));
            for (String token : answer.text()) {
                frames.add(blockDelta(block, mapper.createObjectNode().put("type", "text_delta").put("text", token)));
            }
            frames.add(blockStop(block++));
        }
        for (SimulatedAnswer.ToolCall call : answer.toolCalls()) {
            ObjectNode toolUse = mapper.createObjectNode().put("type", "tool_use").put("id", call.id())
                    .put("name", call.name());
            toolUse.putObject("input");
            toolUse.putObject("caller").put("type", "direct");
            frames.add(blockStart(block, toolUse));
            frames.add(blockDelta(block, mapper.createObjectNode().put("type", "input_json_delta")
                    .put("partial_json", "")));
            for (String fragment : call.fragments()) {
                frames.add(blockDelta(block, mapper.createObjectNode().put("type", "input_json_delta")
                        .put("partial_json", fragment)));
            }
            frames.add(blockStop(block++));
        }
        int lastContent = frames.size() - 1;
        ObjectNode delta = mapper.createObjectNode().put("type", "message_delta");
        delta.putObject("delta").put("stop_reason", stopReason).putNull("stop_sequence");
        delta.putObject("usage").put("output_tokens", answer.outputTokens());
        frames.add(serverSentEvent("message_delta", delta));
        frames.add(serverSentEvent("message_stop", mapper.createObjectNode().put("type", "message_stop")));
        long ttft = fault != null && fault.kind() == Fault.Kind.SLOW_FIRST_TOKEN ? fault.millis() : profile.ttftMillis();
        // message_start and ping go out at once; the first content waits for the time to first token.
        streams.write(ctx, frames, i -> i < firstContent ? 0 : i == firstContent
                        ? SimulatedStreams.jittered(ttft, profile.jitter())
                        : SimulatedStreams.gap(profile, i - firstContent),
                fault, fault == null ? -1 : Math.min(lastContent, firstContent + fault.after()),
                serverSentEvent("error", errorBody("overloaded_error", "Overloaded (simulated)")), prompt);
    }

    private ObjectNode envelope(ObjectNode message, String id, String model) {
        return message.put("id", id).put("type", "message").put("role", "assistant").put("model", model);
    }

    private String blockStart(int index, ObjectNode contentBlock) {
        ObjectNode event = mapper.createObjectNode().put("type", "content_block_start").put("index", index);
        event.set("content_block", contentBlock);
        return serverSentEvent("content_block_start", event);
    }

    private String blockDelta(int index, ObjectNode delta) {
        ObjectNode event = mapper.createObjectNode().put("type", "content_block_delta").put("index", index);
        event.set("delta", delta);
        return serverSentEvent("content_block_delta", event);
    }

    private String blockStop(int index) {
        return serverSentEvent("content_block_stop", mapper.createObjectNode().put("type", "content_block_stop")
                .put("index", index));
    }

    @Override
    protected void answerFault(RoutingContext ctx, Fault fault) {
        switch (fault.kind()) {
            case RATE_LIMITED -> {
                ctx.response().putHeader("retry-after", String.valueOf(fault.retryAfter()));
                error(ctx, 429, "rate_limit_error", "Number of requests has exceeded your rate limit (simulated).");
            }
            case OVERLOADED -> error(ctx, 529, "overloaded_error", "Overloaded (simulated)");
            default -> error(ctx, 500, "api_error", "Internal server error (simulated)");
        }
    }

    private void message(RoutingContext ctx, String id, String model, SimulatedAnswer answer, String stopReason) {
        ObjectNode body = envelope(mapper.createObjectNode(), id, model);
        ArrayNode content = body.putArray("content");
        if (!answer.text().isEmpty()) {
            content.addObject().put("type", "text").put("text", String.join("", answer.text()));
        }
        for (SimulatedAnswer.ToolCall call : answer.toolCalls()) {
            try {
                content.addObject().put("type", "tool_use").put("id", call.id()).put("name", call.name())
                        .set("input", mapper.readTree(call.arguments()));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        body.put("stop_reason", stopReason).putNull("stop_sequence");
        body.putObject("usage").put("input_tokens", answer.promptTokens()).put("output_tokens", answer.outputTokens());
        ctx.response().putHeader("content-type", "application/json").end(body.toString());
    }

    private ObjectNode errorBody(String type, String message) {
        ObjectNode body = mapper.createObjectNode().put("type", "error");
        body.putObject("error").put("type", type).put("message", message);
        return body;
    }

    private void error(RoutingContext ctx, int status, String type, String message) {
        ctx.response().setStatusCode(status).putHeader("content-type", "application/json")
                .end(errorBody(type, message).put("request_id", "req_sim" + ids.incrementAndGet()).toString());
    }
}
