package dev.tokenstream.delivery.facade;

import dev.tokenstream.delivery.sse.ServerSentEvents;
import dev.tokenstream.delivery.facade.ChatCompletionsWire.Choice;
import dev.tokenstream.delivery.facade.ChatCompletionsWire.Completion;
import dev.tokenstream.delivery.facade.ChatCompletionsWire.CompletionUsage;
import dev.tokenstream.delivery.facade.ChatCompletionsWire.Delta;
import dev.tokenstream.delivery.facade.ChatCompletionsWire.Error;
import dev.tokenstream.delivery.facade.ChatCompletionsWire.ErrorBody;
import dev.tokenstream.delivery.facade.ChatCompletionsWire.Request;
import dev.tokenstream.delivery.facade.ChatCompletionsWire.ToolCallDelta;
import dev.tokenstream.events.ChatMessage;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.ErrorInfo;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.GenerationParams;
import dev.tokenstream.events.ToolCall;
import dev.tokenstream.events.serde.Json;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.tokenstream.delivery.facade.Facades.data;
import static dev.tokenstream.delivery.facade.Facades.error;
import static dev.tokenstream.delivery.facade.Facades.read;

/**
 * An OpenAI-compatible {@code POST /v1/chat/completions}, so an application using an official OpenAI SDK can
 * switch its base URL to Tokenstream's delivery-service. The request starts a Tokenstream stream (provider and
 * model from {@code model: "provider/model"}, or {@code delivery.facade-default-provider}); with
 * {@code stream: true} the answer is OpenAI's data-only SSE (role chunk, content deltas, finish chunk, a usage
 * chunk when {@code stream_options.include_usage} is set, {@code data: [DONE]}); without it, one
 * {@code chat.completion}. {@code tools} reach the provider; its calls stream as {@code delta.tool_calls} fragments
 * (the whole answer: {@code message.tool_calls}), its reasoning as {@code delta.reasoning_content}; an assistant
 * message's {@code tool_calls} and {@code tool} messages carry the calls and their results back. Header
 * {@code x-tokenstream-stream-id} names the stream, for the control API.
 * Callers authenticate as OpenAI's clients do, {@code Authorization: Bearer <key>}, with a tenant's Tokenstream API
 * key (the SDKs' {@code apiKey}); the stream is that tenant's. Errors use OpenAI's {@code {"error": {...}}} shape. A
 * client that disconnects before the end cancels its stream (the API has no resume). A stream cancelled by someone
 * else (through the control API, or another client's cancel op) is no finished answer, and Chat Completions has no
 * finish reason for it: it ends with an error, code {@code cancelled} (streaming: an SSE error event after the
 * deltas sent; else 409), which the SDKs raise. Format: docs/provider-wire-formats.md §1.
 */
@ApplicationScoped
public class ChatCompletionsFacade {

    private static final String COMPLETION_ID_PREFIX = "chatcmpl-";
    private static final String CHUNK = "chat.completion.chunk";
    private static final String CANCELLED_MESSAGE = "the stream was cancelled before it completed (through the "
            + "control API); what was sent before this error is all there is";

    private final Facades facades;

    ChatCompletionsFacade(Facades facades) {
        this.facades = facades;
    }

    void routes(@Observes Router router) {
        router.post("/v1/chat/completions").handler(BodyHandler.create().setBodyLimit(1 << 20)).handler(this::handle);
    }

    private void handle(RoutingContext ctx) {
        Request request;
        try {
            request = Json.MAPPER.readValue(ctx.body().asString(), Request.class);
        } catch (IOException | RuntimeException e) {
            error(ctx.response(), 400, "invalid_request_error", "the body is not a chat completion request: "
                    + "'model' (string), 'messages' (array of {role, content} with text content) and the usual "
                    + "options");
            return;
        }
        if (request == null || request.model() == null || request.messages() == null) {
            error(ctx.response(), 400, "invalid_request_error", "'model' (string) and 'messages' (array) are required");
            return;
        }
        List<ChatMessage> messages;
        try {
            messages = request.messages().stream().filter(Objects::nonNull)
                    .map(ChatCompletionsWire.Message::toEvent).toList();
        } catch (IllegalArgumentException e) {
            error(ctx.response(), 400, "invalid_request_error", e.getMessage());
            return;
        }
        String model = request.model();
        var start = facades.startOf(model, messages, new GenerationParams(request.outputLimit(),
                request.temperature(), request.seed(), null, request.toolDefinitions(), request.reasoningEffort()));
        String authorization = ctx.request().getHeader("Authorization");
        facades.start(ctx, start, id -> {
            ctx.response().putHeader("x-tokenstream-stream-id", id);
            if (request.stream()) {
                streamChunks(ctx.response(), id, model, request.includeUsage(), authorization);
            } else {
                completion(ctx.response(), id, model, authorization);
            }
        });
    }

    private void streamChunks(HttpServerResponse response, String id, String model, boolean includeUsage,
                              String authorization) {
        ServerSentEvents.start(response);
        long created = System.currentTimeMillis() / 1000;
        Object usageSoFar = includeUsage ? Completion.NO_USAGE_YET : null;
        var ended = new AtomicBoolean();
        Set<Integer> streamedCalls = ConcurrentHashMap.newKeySet();
        var subscriber = facades.write(response, id, false, frame -> {
            ended.compareAndSet(false, frame.terminal());
            StringBuilder out = new StringBuilder();
            switch (frame.type()) {
                case STARTED -> out.append(data(chunk(id, created, model, new Delta("assistant", ""), null,
                        usageSoFar)));
                case TOKEN -> out.append(data(chunk(id, created, model, new Delta(null, frame.text()), null,
                        usageSoFar)));
                case REASONING -> out.append(data(chunk(id, created, model, new Delta(null, null,
                        read(frame).text(), null), null, usageSoFar)));
                case TOOL_CALL -> {
                    // Fragments as they come; a whole call only when none of its fragments was sent.
                    ToolCall call = read(frame).toolCall();
                    if (call.complete() && streamedCalls.contains(call.index())) {
                        return "";
                    }
                    streamedCalls.add(call.index());
                    out.append(data(chunk(id, created, model, new Delta(null, null, null,
                            List.of(ToolCallDelta.of(call, false))), null, usageSoFar)));
                }
                case COMPLETED -> {
                    DeliveryFrame end = read(frame);
                    out.append(data(chunk(id, created, model, new Delta(null, null), finishReason(end),
                            usageSoFar)));
                    if (includeUsage) {
                        out.append(data(new Completion(COMPLETION_ID_PREFIX + id, CHUNK, created, model,
                                List.of(), CompletionUsage.of(end.usage()))));
                    }
                    out.append(ServerSentEvents.DONE);
                }
                case FAILED -> {
                    ErrorInfo error = read(frame).error();
                    out.append(data(new ErrorBody(new Error(error == null ? "the stream failed" : error.message(),
                            "api_error", null, error == null ? null : error.code()))));
                }
                case CANCELLED -> out.append(data(new ErrorBody(new Error(CANCELLED_MESSAGE, "api_error", null,
                        "cancelled"))));
                default -> {
                    // started's role chunk above; paused, resumed: nothing
                }
            }
            return out.toString();
        });
        // Chat Completions has no resume: a client gone before the end will never read the rest.
        facades.whenGone(response, subscriber, id, ended, authorization, true, "chat completions");
    }

    private void completion(HttpServerResponse response, String id, String model, String authorization) {
        var text = new StringBuilder();
        List<ToolCallDelta> calls = new CopyOnWriteArrayList<>();
        var ended = new AtomicBoolean();
        var subscriber = facades.collect(response, id, frame -> {
            ended.compareAndSet(false, frame.terminal());
            if (frame.isToken()) {
                text.append(frame.text());
            } else if (frame.type() == FrameType.TOOL_CALL && read(frame).toolCall().complete()) {
                calls.add(ToolCallDelta.of(read(frame).toolCall(), true));
            } else if (frame.terminal()) {
                DeliveryFrame end = read(frame);
                if (end.type() == FrameType.FAILED) {
                    error(response, 502, "api_error", end.error() == null ? "the stream failed"
                            : end.error().message());
                } else if (end.type() == FrameType.CANCELLED) {
                    error(response, 409, "api_error", CANCELLED_MESSAGE);
                } else {
                    var whole = new Completion(COMPLETION_ID_PREFIX + id, "chat.completion",
                            System.currentTimeMillis() / 1000, model, List.of(new Choice(0, null,
                            new Delta("assistant", text.toString(), null, calls.isEmpty() ? null
                                    : List.copyOf(calls)), finishReason(end))),
                            CompletionUsage.of(end.usage()));
                    response.putHeader("content-type", "application/json").end(Json.write(whole));
                }
            }
        });
        facades.whenGone(response, subscriber, id, ended, authorization, true, "chat completions");
    }

    /** @return the provider's finish reason, {@code stop} when it gave none */
    private static String finishReason(DeliveryFrame end) {
        return end.finishReason() == null ? "stop" : end.finishReason();
    }

    private static Completion chunk(String id, long created, String model, Delta delta, String finishReason,
                                    Object usage) {
        return new Completion(COMPLETION_ID_PREFIX + id, CHUNK, created, model,
                List.of(new Choice(0, delta, null, finishReason)), usage);
    }
}
