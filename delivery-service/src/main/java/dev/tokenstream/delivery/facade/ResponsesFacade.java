package dev.tokenstream.delivery.facade;

import dev.tokenstream.delivery.sse.ServerSentEvents;
import dev.tokenstream.delivery.client.ControlApi;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstream.api.OpenSession;
import dev.tokenstream.api.StartStreamRequest;
import dev.tokenstream.delivery.facade.ResponsesWire.Event;
import dev.tokenstream.delivery.facade.ResponsesWire.Request;
import dev.tokenstream.events.ChatMessage;
import dev.tokenstream.events.GenerationParams;
import dev.tokenstream.events.serde.Json;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import static dev.tokenstream.delivery.facade.Facades.error;

/**
 * An OpenAI-compatible Responses API, so an application using an official OpenAI SDK's {@code responses} gets
 * Tokenstream's durable streams: the response id is {@code resp_<streamId>}.
 * <ul>
 *   <li>{@code POST /v1/responses} starts a stream ({@link ResponsesWire.Request}); with {@code stream: true} the
 *   answer is the API's server-sent events ({@code event:} type, {@code data:} the event with its
 *   {@code sequence_number}), see {@link ResponseEvents}; without it, the whole response once it ended, or (with
 *   {@code background: true}) at once, {@code queued}. A streaming client that goes away cancels its stream unless it
 *   asked for {@code background}.</li>
 *   <li>{@code GET /v1/responses/{id}}: the response; its output once it ended, its status while it runs. With
 *   {@code stream=true} the events again from the durable log, after {@code starting_after} (a sequence number)
 *   when given: exactly the ones a cut connection missed.</li>
 *   <li>{@code POST /v1/responses/{id}/cancel} cancels the stream (the provider's connection closes) and answers
 *   the response as it ended.</li>
 * </ul>
 * Callers authenticate with {@code Authorization: Bearer <a tenant's API key>}, which control-service checks on
 * every call: another tenant's response is 404. Errors use OpenAI's {@code {"error": {...}}} shape.
 */
@ApplicationScoped
public class ResponsesFacade {

    private final Facades facades;

    ResponsesFacade(Facades facades) {
        this.facades = facades;
    }

    void routes(@Observes Router router) {
        router.post("/v1/responses").handler(BodyHandler.create().setBodyLimit(1 << 20)).handler(this::create);
        router.get("/v1/responses/:id").handler(this::retrieve);
        router.post("/v1/responses/:id/cancel").handler(this::cancel);
    }

    private void create(RoutingContext ctx) {
        Request request;
        try {
            request = Json.MAPPER.readValue(ctx.body().asString(), Request.class);
        } catch (IOException | RuntimeException e) {
            error(ctx.response(), 400, "invalid_request_error", "the body is not a response request: 'model' "
                    + "(string), 'input' (a string or an array of messages) and the usual options");
            return;
        }
        if (request == null || request.model() == null) {
            error(ctx.response(), 400, "invalid_request_error", "'model' (string) and 'input' are required");
            return;
        }
        String previous = request.previousResponseId() == null ? null
                : ResponseEvents.streamId(request.previousResponseId());
        if (request.previousResponseId() != null && previous == null) {
            error(ctx.response(), 400, "invalid_request_error", "'previous_response_id' must be a response id "
                    + "(resp_ and a stream id)");
            return;
        }
        List<ChatMessage> messages;
        try {
            messages = request.messages();
        } catch (IllegalArgumentException e) {
            error(ctx.response(), 400, "invalid_request_error", e.getMessage());
            return;
        }
        var start = facades.startOf(request.model(), messages, new GenerationParams(request.maxOutputTokens(),
                request.temperature(), null, null, request.toolDefinitions(), request.reasoningEffort()));
        // Every response is a turn of a session, so that a later request can continue after it.
        OpenSession opening = previous == null ? new OpenSession(null, null) : OpenSession.after(previous);
        facades.session(ctx, opening, "'previous_response_id' "
                + "names no response of yours", session -> start(ctx, request,
                start.inSession(session.path("sessionId").asText())));
    }

    private void start(RoutingContext ctx, Request request, StartStreamRequest start) {
        facades.start(ctx, start, id -> {
            ctx.response().putHeader("x-tokenstream-stream-id", id);
            var events = new ResponseEvents(id, request.model(), request.background());
            if (request.stream()) {
                stream(ctx, id, events, -1, !request.background());
            } else if (request.background()) {
                json(ctx.response(), events.response("queued"));
            } else {
                collect(ctx, id, events, true);
            }
        });
    }

    private void retrieve(RoutingContext ctx) {
        String id = ResponseEvents.streamId(ctx.pathParam("id"));
        boolean stream = "true".equals(ctx.queryParams().get("stream"));
        int startingAfter;
        try {
            String after = ctx.queryParams().get("starting_after");
            startingAfter = after == null ? -1 : Integer.parseInt(after.trim());
        } catch (NumberFormatException e) {
            error(ctx.response(), 400, "invalid_request_error", "'starting_after' must be an event's sequence "
                    + "number");
            return;
        }
        whenVisible(ctx, id, status -> {
            var events = new ResponseEvents(id, model(status), null);
            String state = status.path("state").asText();
            if (stream) {
                stream(ctx, id, events, startingAfter, false);
            } else if (state.equals("COMPLETED") || state.equals("FAILED") || state.equals("CANCELLED")) {
                collect(ctx, id, events, false);
            } else {
                json(ctx.response(), events.response(state.equals("REQUESTED") ? "queued" : "in_progress"));
            }
        });
    }

    private void cancel(RoutingContext ctx) {
        String id = ResponseEvents.streamId(ctx.pathParam("id"));
        whenVisible(ctx, id, status -> facades.control().command(id, "cancel",
                ctx.request().getHeader("Authorization")).subscribe().with(answer -> {
                    // 409: it had ended already; the answer is the response as it ended, either way
                    if (answer.getStatus() == 202 || answer.getStatus() == 409) {
                        collect(ctx, id, new ResponseEvents(id, model(status), null), false);
                    } else {
                        error(ctx.response(), answer.getStatus() == 403 ? 403 : 503, "api_error",
                                ControlApi.body(answer).path("detail").asText("the response could not be cancelled"));
                    }
                }, failure -> error(ctx.response(), 503, "api_error", "control-service unreachable: "
                        + failure.getMessage())));
    }

    /**
     * Calls {@code then} with control-service's status of stream {@code id} when the caller may read it; else
     * answers 404 (unknown, or another tenant's), 401, 403 or 503.
     */
    private void whenVisible(RoutingContext ctx, String id, Consumer<JsonNode> then) {
        if (id == null) {
            error(ctx.response(), 404, "not_found_error", "no response with this id: response ids are resp_ and "
                    + "a stream id");
            return;
        }
        facades.control().status(id, ctx.request().getHeader("Authorization")).subscribe().with(answer -> {
            int status = answer.getStatus();
            if (status == 200) {
                then.accept(ControlApi.body(answer));
            } else {
                error(ctx.response(), status == 401 || status == 403 || status == 404 ? status : 503,
                        status == 401 ? "authentication_error" : status == 403 ? "permission_error"
                                : status == 404 ? "not_found_error" : "api_error",
                        status == 404 ? "no response with id " + ResponseEvents.responseId(id)
                                : ControlApi.body(answer).path("detail").asText("the response could not be read"));
            }
        }, failure -> error(ctx.response(), 503, "api_error", "control-service unreachable: " + failure.getMessage()));
    }

    /**
     * Streams the events of stream {@code id} from its first frame, writing those numbered after
     * {@code startingAfter}; the response ends after the terminal event.
     *
     * @param cancelOnClose whether a client that goes away before the end cancels the stream
     */
    private void stream(RoutingContext ctx, String id, ResponseEvents events, int startingAfter,
                        boolean cancelOnClose) {
        HttpServerResponse response = ServerSentEvents.start(ctx.response());
        var ended = new AtomicBoolean();
        response.write(sse(events.begin(), startingAfter));
        // The client resumes with starting_after = the last sequence number it got.
        var subscriber = facades.write(response, id, true, frame -> {
            ended.compareAndSet(false, frame.terminal());
            return sse(events.on(frame), startingAfter);
        });
        facades.whenGone(response, subscriber, id, ended, ctx.request().getHeader("Authorization"), cancelOnClose,
                "responses");
    }

    /** Answers the whole response once stream {@code id} ended. */
    private void collect(RoutingContext ctx, String id, ResponseEvents events, boolean cancelOnClose) {
        HttpServerResponse response = ctx.response();
        var ended = new AtomicBoolean();
        var subscriber = facades.collect(response, id, frame -> {
            events.on(frame);
            if (frame.terminal() && ended.compareAndSet(false, true)) {
                json(response, events.response());
            }
        });
        facades.whenGone(response, subscriber, id, ended, ctx.request().getHeader("Authorization"), cancelOnClose,
                "responses");
    }

    /** @return {@code provider/model} of a stream's status, once the processor's statistics name them; else empty */
    private static String model(JsonNode status) {
        JsonNode stats = status.path("stats");
        return stats.hasNonNull("model") ? stats.path("provider").asText() + "/" + stats.path("model").asText() : "";
    }

    /** @return {@code events} numbered after {@code startingAfter}, as server-sent events */
    private static String sse(List<Event> events, int startingAfter) {
        var out = new StringBuilder();
        for (Event event : events) {
            if (event.sequenceNumber() > startingAfter) {
                out.append("event: ").append(event.type()).append('\n').append(Facades.data(event));
            }
        }
        return out.toString();
    }

    private static void json(HttpServerResponse response, Object body) {
        if (!response.ended()) {
            response.putHeader("content-type", "application/json").end(Json.write(body));
        }
    }
}
