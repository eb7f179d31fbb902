package dev.tokenstream.delivery.facade;

import dev.tokenstream.api.OpenSession;
import dev.tokenstream.delivery.sse.ServerSentEvents;
import dev.tokenstream.delivery.client.ControlApi;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstream.delivery.config.DeliveryConfig;
import dev.tokenstream.delivery.messaging.Subscriber;
import dev.tokenstream.delivery.facade.UiMessageChunks.Chunk;
import dev.tokenstream.events.ChatMessage;
import dev.tokenstream.events.GenerationParams;
import dev.tokenstream.events.Micros;
import dev.tokenstream.events.ToolDefinition;
import dev.tokenstream.events.serde.Json;
import io.quarkus.logging.Log;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.tokenstream.delivery.facade.Facades.error;

/**
 * The Vercel AI SDK's chat transport protocol, so a {@code useChat} front end gets Tokenstream's durable streams
 * through {@code DefaultChatTransport({api: "<delivery>/v1/ai-sdk/chat"})}:
 * <ul>
 *   <li>{@code POST /v1/ai-sdk/chat}, the transport's body: {@code id} (the chat), {@code messages} (UI messages;
 *   the last one is the new turn: a user message of text parts, or the assistant's whose tool parts have outputs,
 *   sent as the calls' results), {@code trigger} ({@code submit-message}, or {@code regenerate-message}: the new
 *   turn replaces the chat's latest, whose user message the AI SDK sends again), and the
 *   application's {@code body} fields {@code model} ({@code provider/model}, required), {@code reasoningEffort},
 *   {@code maxTokens} and {@code tools} ({@code [{name, description, parameters}]}). The chat is a session keyed
 *   by its id (control-service): the provider is sent the chat's earlier turns as Tokenstream delivered them, then
 *   the new message. The answer is the UI message stream ({@link UiMessageChunks}), header
 *   {@code x-vercel-ai-ui-message-stream: v1}, ending with {@code data: [DONE]}.</li>
 *   <li>{@code GET /v1/ai-sdk/chat/{id}/stream}, the transport's resume: the chat's latest turn from its first
 *   frame, read from the durable log (the AI SDK replaces the message it was building), while it streams and for a
 *   minute after it ended; else 204, as for a chat of no turn.</li>
 * </ul>
 * {@code useChat}'s {@code stop()} only closes the connection, as a network cut does: a stream whose every client
 * went away before its end is cancelled (the provider's call closed) unless a resume comes within
 * {@code delivery.ai-sdk-resume-grace} (10 s). Callers authenticate
 * with {@code Authorization: Bearer <a tenant's API key>} (the transport's {@code headers}); errors use the
 * {@code {"error": {...}}} shape of the other facades.
 */
@ApplicationScoped
public class AiSdkChatFacade {

    private static final String PATH = "/v1/ai-sdk/chat";
    private static final long RESUMABLE_AFTER_END_SECONDS = 60;
    private static final Set<String> TRIGGERS = Set.of("submit-message", "regenerate-message");

    private final Facades facades;
    private final DeliveryConfig config;
    private final Vertx vertx;
    /** The clients reading each stream here, to cancel a stream only when all went away and none came back. */
    private final Map<String, AtomicInteger> readers = new ConcurrentHashMap<>();

    AiSdkChatFacade(Facades facades, DeliveryConfig config, Vertx vertx) {
        this.facades = facades;
        this.config = config;
        this.vertx = vertx;
    }

    void routes(@Observes Router router) {
        router.post(PATH).handler(BodyHandler.create().setBodyLimit(1 << 20)).handler(this::send);
        router.get(PATH + "/:id/stream").handler(this::resume);
    }

    private void send(RoutingContext ctx) {
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(ctx.body().asString());
        } catch (Exception e) {
            body = null;
        }
        if (body == null || !body.isObject()) {
            error(ctx.response(), 400, "invalid_request_error", "the body is the AI SDK chat transport's: id, "
                    + "messages, trigger, and model");
            return;
        }
        String chatId = body.path("id").asText("");
        String problem = !chatId.matches("[\\x21-\\x7e]{1,255}") ? "'id' (the chat's id) must be 1 to 255 visible "
                + "ASCII characters"
                : !body.path("model").isTextual() ? "'model' (provider/model) is required: set it in the "
                + "transport's body"
                : TRIGGERS.contains(body.path("trigger").asText("submit-message")) ? null
                : "trigger must be submit-message or regenerate-message";
        List<ChatMessage> turn = null;
        if (problem == null) {
            try {
                turn = newTurn(body.path("messages"));
            } catch (IllegalArgumentException e) {
                problem = e.getMessage();
            }
        }
        if (problem != null) {
            error(ctx.response(), 400, "invalid_request_error", problem);
            return;
        }
        List<ToolDefinition> tools = new ArrayList<>();
        body.path("tools").forEach(tool -> {
            if (tool.path("name").isTextual()) {
                tools.add(new ToolDefinition(tool.get("name").asText(), tool.path("description").asText(null),
                        tool.has("parameters") ? Json.MAPPER.convertValue(tool.get("parameters"), Map.class) : null));
            }
        });
        var start = facades.startOf(body.get("model").asText(), turn, new GenerationParams(
                body.hasNonNull("maxTokens") ? body.get("maxTokens").asInt() : null, null, null, null, tools,
                body.path("reasoningEffort").asText(null)));
        boolean regenerate = body.path("trigger").asText("").equals("regenerate-message");
        facades.session(ctx, OpenSession.byKey(chatId), "the chat could not be found", session -> {
            String sessionId = session.path("sessionId").asText();
            facades.start(ctx, regenerate ? start.replacingLastTurnOf(sessionId) : start.inSession(sessionId),
                    streamId -> stream(ctx, streamId));
        });
    }

    private void resume(RoutingContext ctx) {
        String chatId = ctx.pathParam("id");
        if (!chatId.matches("[\\x21-\\x7e]{1,255}")) {
            error(ctx.response(), 400, "invalid_request_error", "a chat id is 1 to 255 visible ASCII characters");
            return;
        }
        facades.session(ctx, OpenSession.byKey(chatId), "the chat could not be found", session -> {
            JsonNode turns = session.path("turns");
            if (turns.isEmpty()) {
                ctx.response().setStatusCode(204).end();
                return;
            }
            String streamId = turns.get(turns.size() - 1).path("streamId").asText();
            facades.control().status(streamId, ctx.request().getHeader("Authorization")).subscribe().with(answer -> {
                JsonNode status = ControlApi.body(answer);
                if (answer.getStatus() == 200 && resumable(status)) {
                    stream(ctx, streamId);
                } else {
                    ctx.response().setStatusCode(204).end();
                }
            }, failure -> error(ctx.response(), 503, "api_error", "control-service unreachable: "
                    + failure.getMessage()));
        });
    }

    /**
     * @return whether a chat's latest turn is served to a resume: while it streams, and for
     *         {@value #RESUMABLE_AFTER_END_SECONDS} s after it ended (a client cut off near the end reloads)
     */
    private static boolean resumable(JsonNode status) {
        String state = status.path("state").asText();
        if (!state.equals("COMPLETED") && !state.equals("FAILED") && !state.equals("CANCELLED")) {
            return true;
        }
        long endedAtMicros = status.path("stats").path("updatedAtMicros").asLong(0);
        return Micros.now() - endedAtMicros < RESUMABLE_AFTER_END_SECONDS * 1_000_000L;
    }

    /**
     * Writes stream {@code streamId} as the UI message stream, from its first frame; a client gone before the end
     * leaves the stream to be cancelled unless another reads it within the resume grace.
     */
    private void stream(RoutingContext ctx, String streamId) {
        HttpServerResponse response = ServerSentEvents.start(ctx.response()).putHeader("x-vercel-ai-ui-message-stream", "v1")
                .putHeader("x-tokenstream-stream-id", streamId);
        var chunks = new UiMessageChunks(streamId);
        response.write(sse(chunks.begin()));
        AtomicInteger reading = readers.computeIfAbsent(streamId, id -> new AtomicInteger());
        reading.incrementAndGet();
        Subscriber subscriber = facades.write(response, streamId, false, frame -> {
            if (frame.terminal()) {
                readers.remove(streamId, reading);
            }
            return sse(chunks.on(frame)) + (frame.terminal() ? ServerSentEvents.DONE : "");
        });
        if (response.ended()) {
            // the whole stream was in memory: written already
            subscriber.close();
            reading.decrementAndGet();
            return;
        }
        String authorization = ctx.request().getHeader("Authorization");
        response.closeHandler(v -> {
            subscriber.close();
            if (reading.decrementAndGet() > 0 || readers.get(streamId) != reading) {
                return;
            }
            vertx.setTimer(config.aiSdkResumeGrace().toMillis(), t -> {
                if (reading.get() == 0 && readers.remove(streamId, reading)) {
                    Log.infof("stream %s: its AI SDK client went away and did not resume within %s; cancelling it",
                            streamId, config.aiSdkResumeGrace());
                    facades.control().command(streamId, "cancel", authorization).subscribe().with(
                            answer -> Log.debugf("stream %s: cancel answered %d", streamId, answer.getStatus()),
                            failure -> Log.warnf("stream %s: cancel failed: %s", streamId, failure));
                }
            });
        });
    }

    /**
     * @return the new turn: the last message's text when it is the user's; the results of its tool calls when it is
     *         the assistant's with tool outputs (a client-side tool answered, {@code addToolOutput})
     * @throws IllegalArgumentException when there is no such message, or a user message has parts other than text
     *                                  (the message never repeats the input)
     */
    private static List<ChatMessage> newTurn(JsonNode messages) {
        if (!messages.isArray() || messages.isEmpty()) {
            throw new IllegalArgumentException("'messages' must hold the chat's messages, the new one last");
        }
        JsonNode last = messages.get(messages.size() - 1);
        String role = last.path("role").asText();
        List<ChatMessage> turn = new ArrayList<>();
        if (role.equals("assistant")) {
            for (JsonNode part : last.path("parts")) {
                if ("output-available".equals(part.path("state").asText()) && part.path("toolCallId").isTextual()) {
                    JsonNode output = part.path("output");
                    turn.add(ChatMessage.toolResult(part.get("toolCallId").asText(),
                            output.isTextual() ? output.asText() : output.toString()));
                }
            }
            if (turn.isEmpty()) {
                throw new IllegalArgumentException("the last message must be the user's new message, or the "
                        + "assistant's with tool outputs");
            }
            return turn;
        }
        if (!role.equals("user")) {
            throw new IllegalArgumentException("the last message must be the user's new message");
        }
        var text = new StringBuilder();
        for (JsonNode part : last.path("parts")) {
            if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                throw new IllegalArgumentException("only text parts are supported in a user message; files are not");
            }
            text.append(part.get("text").asText());
        }
        turn.add(ChatMessage.user(text.toString()));
        return turn;
    }

    private static String sse(List<Chunk> chunks) {
        var out = new StringBuilder();
        chunks.forEach(chunk -> out.append(Facades.data(chunk)));
        return out.toString();
    }
}
