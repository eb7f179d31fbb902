package dev.tokenstream.delivery.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenstream.delivery.config.DeliveryConfig;
import dev.tokenstream.delivery.messaging.Frame;
import dev.tokenstream.delivery.messaging.FrameLogs;
import dev.tokenstream.delivery.messaging.FrameSink;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.serde.Json;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.rest.client.inject.RestClient;

import java.io.IOException;

/**
 * An OpenAI-compatible {@code POST /v1/chat/completions}, so an application using an official OpenAI SDK can
 * switch its base URL to Tokenstream's delivery-service. The request starts a Tokenstream stream (provider and
 * model from {@code model: "provider/model"}, or {@code delivery.facade-default-provider}); with
 * {@code stream: true} the answer is OpenAI's data-only SSE (role chunk, content deltas, finish chunk, a usage
 * chunk when {@code stream_options.include_usage} is set, {@code data: [DONE]}); without it, one
 * {@code chat.completion}. Header {@code x-tokenstream-stream-id} names the stream, for the control API.
 * Errors use OpenAI's {@code {"error": {...}}} shape. Format: docs/provider-wire-formats.md §1.
 */
@ApplicationScoped
public class ChatCompletionsFacade {

    private final ControlApi control;
    private final FrameLogs logs;
    private final DeliveryConfig config;

    public ChatCompletionsFacade(@RestClient ControlApi control, FrameLogs logs, DeliveryConfig config) {
        this.control = control;
        this.logs = logs;
        this.config = config;
    }

    void routes(@Observes Router router) {
        router.post("/v1/chat/completions").handler(BodyHandler.create().setBodyLimit(1 << 20)).handler(this::handle);
    }

    private void handle(RoutingContext ctx) {
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(ctx.body().asString());
        } catch (IOException | RuntimeException e) {
            error(ctx.response(), 400, "invalid_request_error", "the body is not valid JSON");
            return;
        }
        if (body == null || !body.path("model").isTextual() || !body.path("messages").isArray()) {
            error(ctx.response(), 400, "invalid_request_error", "'model' (string) and 'messages' (array) are required");
            return;
        }
        String model = body.path("model").asText();
        int slash = model.indexOf('/');
        ObjectNode start = Json.MAPPER.createObjectNode()
                .put("provider", slash > 0 ? model.substring(0, slash) : config.facadeDefaultProvider())
                .put("model", slash > 0 ? model.substring(slash + 1) : model);
        ArrayNode messages = start.putArray("messages");
        body.path("messages").forEach(m -> messages.addObject().put("role", m.path("role").asText("user"))
                .put("content", m.path("content").asText("")));
        ObjectNode params = start.putObject("params");
        JsonNode maxTokens = body.hasNonNull("max_completion_tokens") ? body.get("max_completion_tokens")
                : body.get("max_tokens");
        if (maxTokens != null && maxTokens.canConvertToInt()) {
            params.put("maxTokens", maxTokens.asInt());
        }
        if (body.path("temperature").isNumber()) {
            params.put("temperature", body.get("temperature").asDouble());
        }
        if (body.path("seed").canConvertToLong()) {
            params.put("seed", body.get("seed").asLong());
        }
        boolean stream = body.path("stream").asBoolean(false);
        boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
        control.start(start.toString()).subscribe().with(response -> {
            JsonNode answer = ControlApi.body(response);
            if (response.getStatus() != 201) {
                error(ctx.response(), response.getStatus() == 503 ? 503 : 400, "invalid_request_error",
                        answer.path("detail").asText("the stream could not be started"));
                return;
            }
            String id = answer.path("streamId").asText();
            ctx.response().putHeader("x-tokenstream-stream-id", id);
            if (stream) {
                streamChunks(ctx.response(), id, model, includeUsage);
            } else {
                completion(ctx.response(), id, model);
            }
        }, failure -> error(ctx.response(), 503, "api_error", "control-service unreachable: " + failure.getMessage()));
    }

    private void streamChunks(HttpServerResponse response, String id, String model, boolean includeUsage) {
        response.setChunked(true).putHeader("content-type", "text/event-stream; charset=utf-8")
                .putHeader("cache-control", "no-cache").putHeader("X-Accel-Buffering", "no");
        long created = System.currentTimeMillis() / 1000;
        var subscriber = logs.subscribe(id, -1, new FrameSink() {
            @Override
            public Uni<Void> send(Frame frame) {
                JsonNode json = parse(frame);
                StringBuilder out = new StringBuilder();
                switch (frame.type()) {
                    case STARTED -> out.append(data(chunk(id, created, model, includeUsage,
                            Json.MAPPER.createObjectNode().put("role", "assistant").put("content", ""), null)));
                    case TOKEN -> out.append(data(chunk(id, created, model, includeUsage,
                            Json.MAPPER.createObjectNode().put("content", frame.text()), null)));
                    case COMPLETED, CANCELLED -> {
                        out.append(data(chunk(id, created, model, includeUsage, Json.MAPPER.createObjectNode(),
                                json.path("finishReason").asText("stop").equals("cancelled") ? "stop"
                                        : json.path("finishReason").asText("stop"))));
                        if (includeUsage) {
                            ObjectNode usage = envelope(id, created, model);
                            usage.putArray("choices");
                            usage.set("usage", usage(json.path("usage")));
                            out.append(data(usage));
                        }
                        out.append("data: [DONE]\n\n");
                    }
                    case FAILED -> {
                        ObjectNode error = Json.MAPPER.createObjectNode();
                        error.putObject("error").put("message", json.path("error").path("message").asText())
                                .put("type", "api_error").put("code", json.path("error").path("code").asText());
                        out.append(data(error));
                    }
                    default -> {
                        return Uni.createFrom().voidItem();
                    }
                }
                return Uni.createFrom().completionStage(response.write(out.toString()).toCompletionStage());
            }

            @Override
            public void end() {
                response.end();
            }

            @Override
            public void tooFarBehind(long lastSeq) {
                response.end();
            }
        });
        response.closeHandler(v -> subscriber.close());
    }

    private void completion(HttpServerResponse response, String id, String model) {
        var text = new StringBuilder();
        logs.subscribe(id, -1, new FrameSink() {
            @Override
            public Uni<Void> send(Frame frame) {
                if (frame.isToken()) {
                    text.append(frame.text());
                } else if (frame.terminal()) {
                    JsonNode json = parse(frame);
                    if (frame.type() == FrameType.FAILED) {
                        error(response, 502, "api_error", json.path("error").path("message").asText());
                    } else {
                        ObjectNode body = envelope(id, System.currentTimeMillis() / 1000, model)
                                .put("object", "chat.completion");
                        ObjectNode choice = body.putArray("choices").addObject().put("index", 0);
                        choice.putObject("message").put("role", "assistant").put("content", text.toString());
                        choice.put("finish_reason", json.path("finishReason").asText("stop").equals("cancelled")
                                ? "stop" : json.path("finishReason").asText("stop"));
                        body.set("usage", usage(json.path("usage")));
                        response.putHeader("content-type", "application/json").end(body.toString());
                    }
                }
                return Uni.createFrom().voidItem();
            }

            @Override
            public void end() {
                // the answer was written with the terminal frame
            }

            @Override
            public void tooFarBehind(long lastSeq) {
                error(response, 503, "api_error", "the stream could not be collected");
            }
        });
    }

    private static ObjectNode envelope(String id, long created, String model) {
        return Json.MAPPER.createObjectNode().put("id", "chatcmpl-" + id).put("object", "chat.completion.chunk")
                .put("created", created).put("model", model);
    }

    private static ObjectNode chunk(String id, long created, String model, boolean includeUsage, ObjectNode delta,
                                    String finishReason) {
        ObjectNode chunk = envelope(id, created, model);
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        if (includeUsage) {
            chunk.putNull("usage");
        }
        return chunk;
    }

    private static ObjectNode usage(JsonNode usage) {
        long input = usage.path("inputTokens").asLong(0);
        long output = usage.path("outputTokens").asLong(0);
        return Json.MAPPER.createObjectNode().put("prompt_tokens", input).put("completion_tokens", output)
                .put("total_tokens", input + output);
    }

    private static String data(JsonNode json) {
        return "data: " + json + "\n\n";
    }

    private static JsonNode parse(Frame frame) {
        try {
            return Json.MAPPER.readTree(frame.json());
        } catch (IOException e) {
            return Json.MAPPER.createObjectNode();
        }
    }


    private static void error(HttpServerResponse response, int status, String type, String message) {
        if (response.ended()) {
            return;
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        ObjectNode error = body.putObject("error").put("message", message).put("type", type);
        error.putNull("param");
        error.putNull("code");
        Log.debugf("chat completions facade: %d %s", status, message);
        response.setStatusCode(status).putHeader("content-type", "application/json").end(body.toString());
    }
}
