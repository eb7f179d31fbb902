package dev.tokenstream.delivery.facade;

import dev.tokenstream.delivery.sse.ServerSentEvents;
import dev.tokenstream.delivery.client.ControlApi;
import dev.tokenstream.delivery.client.SessionsApi;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstream.api.OpenSession;
import dev.tokenstream.api.StartStreamRequest;
import dev.tokenstream.delivery.config.DeliveryConfig;
import dev.tokenstream.delivery.messaging.Frame;
import dev.tokenstream.delivery.messaging.FrameLogs;
import dev.tokenstream.delivery.messaging.FrameSink;
import dev.tokenstream.delivery.messaging.Subscriber;
import dev.tokenstream.delivery.facade.ChatCompletionsWire.Error;
import dev.tokenstream.delivery.facade.ChatCompletionsWire.ErrorBody;
import dev.tokenstream.events.ChatMessage;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.GenerationParams;
import dev.tokenstream.events.serde.Json;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.rest.client.inject.RestClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What the facades of other APIs ({@link ChatCompletionsFacade}, {@link ResponsesFacade}, {@link AiSdkChatFacade})
 * share: starting a stream and opening a session through control-service with the caller's credential, reading a
 * stream's frames from its first into a response, OpenAI's error shape {@code {"error": {...}}}, the server-sent
 * events' framing, and cancelling a stream whose client went away.
 */
@ApplicationScoped
class Facades {

    private final ControlApi control;
    private final SessionsApi sessions;
    private final FrameLogs logs;
    private final DeliveryConfig config;

    Facades(@RestClient ControlApi control, @RestClient SessionsApi sessions, FrameLogs logs, DeliveryConfig config) {
        this.control = control;
        this.sessions = sessions;
        this.logs = logs;
        this.config = config;
    }

    /**
     * Writes stream {@code id}, from its first frame, to {@code response} as {@code render} makes each frame (an
     * empty string: nothing); the response ends after the terminal frame, or when the client fell too far behind
     * (its protocol's resume takes it on from there).
     *
     * @param everyFrame whether every frame comes as the deliveries topic holds it, never merged (for events
     *                   numbered by frame); otherwise token frames merge for a client that falls behind
     * @return the subscription
     */
    Subscriber write(HttpServerResponse response, String id, boolean everyFrame, Function<Frame, String> render) {
        return logs.subscribe(id, -1, new FrameSink() {
            @Override
            public Uni<Void> send(Frame frame) {
                String out = render.apply(frame);
                return out.isEmpty() ? Uni.createFrom().voidItem()
                        : Uni.createFrom().completionStage(response.write(out).toCompletionStage());
            }

            @Override
            public void end() {
                response.end();
            }

            @Override
            public void tooFarBehind(long lastSeq) {
                response.end();
            }
        }, everyFrame);
    }

    /**
     * Hands stream {@code id}'s frames, from its first, every one as the deliveries topic holds it, to {@code each},
     * which answers the request with the terminal frame; a client too far behind is answered 503.
     *
     * @return the subscription
     */
    Subscriber collect(HttpServerResponse response, String id, Consumer<Frame> each) {
        return logs.subscribe(id, -1, new FrameSink() {
            @Override
            public Uni<Void> send(Frame frame) {
                each.accept(frame);
                return Uni.createFrom().voidItem();
            }

            @Override
            public void end() {
                // answered with the terminal frame
            }

            @Override
            public void tooFarBehind(long lastSeq) {
                error(response, 503, "api_error", "the stream could not be collected");
            }
        }, true);
    }

    /** @return control-service's API, with which the facades start, look up and cancel streams */
    ControlApi control() {
        return control;
    }

    /**
     * @param model    {@code provider/model}, or a model of {@code delivery.facade-default-provider}
     * @param messages the conversation
     * @param params   generation parameters
     * @return the start request control-service takes
     */
    StartStreamRequest startOf(String model, List<ChatMessage> messages, GenerationParams params) {
        int slash = model.indexOf('/');
        return StartStreamRequest.of(slash > 0 ? model.substring(0, slash) : config.facadeDefaultProvider(),
                slash > 0 ? model.substring(slash + 1) : model, messages, params, null);
    }

    /**
     * Starts {@code start} as the request's caller ({@code Authorization} passed on) and calls {@code started} with
     * the stream id; answers the request with an OpenAI error when control-service refuses or cannot be reached.
     */
    void start(RoutingContext ctx, StartStreamRequest start, Consumer<String> started) {
        control.start(start, ctx.request().getHeader("Authorization")).subscribe().with(response -> {
            JsonNode answer = ControlApi.body(response);
            if (response.getStatus() != 201) {
                int status = response.getStatus();
                error(ctx.response(), Set.of(401, 403, 409, 429, 503).contains(status) ? status : 400,
                        status == 401 ? "authentication_error" : status == 403 ? "permission_error"
                                : "invalid_request_error",
                        answer.path("detail").asText("the stream could not be started"));
                return;
            }
            started.accept(answer.path("streamId").asText());
        }, failure -> error(ctx.response(), 503, "api_error", "control-service unreachable: " + failure.getMessage()));
    }

    /**
     * Opens the session a stream of the request's caller is started in, and calls {@code opened} with it
     * ({@code sessionId}, {@code turns});
     * answers the request with an OpenAI error when control-service refuses or cannot be reached.
     *
     * @param body    what control-service's {@code POST /v1/sessions} takes: {@code {}}, {@code key} or
     *                {@code after}
     * @param missing the error message when {@code after} names no stream of the caller's sessions
     */
    void session(RoutingContext ctx, OpenSession body, String missing, Consumer<JsonNode> opened) {
        sessions.open(body, ctx.request().getHeader("Authorization")).subscribe().with(response -> {
            int status = response.getStatus();
            if (status == 200 || status == 201) {
                opened.accept(ControlApi.body(response));
            } else if (status == 404) {
                error(ctx.response(), 400, "invalid_request_error", missing);
            } else {
                error(ctx.response(), status == 401 || status == 403 ? status : 503, status == 401
                        ? "authentication_error" : status == 403 ? "permission_error" : "api_error",
                        ControlApi.body(response).path("detail").asText("the conversation could not be opened"));
            }
        }, failure -> error(ctx.response(), 503, "api_error", "control-service unreachable: " + failure.getMessage()));
    }

    /**
     * What happens when the client of stream {@code id} goes away: its subscription closes and, when
     * {@code cancel}, the stream is cancelled unless it {@code ended} (the client will never read the rest, so the
     * provider's connection is closed and the billing stops). A response that has ended already (every frame was
     * in memory) only closes the subscription.
     *
     * @param api the facade's name, for the log
     */
    void whenGone(HttpServerResponse response, Subscriber subscriber, String id, AtomicBoolean ended,
                  String authorization, boolean cancel, String api) {
        if (response.ended()) {
            subscriber.close();
            return;
        }
        response.closeHandler(v -> {
            subscriber.close();
            if (!cancel || ended.get()) {
                return;
            }
            Log.infof("stream %s: its %s client went away; cancelling it", id, api);
            control.command(id, "cancel", authorization).subscribe().with(
                    answer -> Log.debugf("stream %s: cancel answered %d", id, answer.getStatus()),
                    failure -> Log.warnf("stream %s: cancel after the client went away failed: %s", id, failure));
        });
    }

    /** The fields of a frame; delivery keeps each frame as the JSON the processor wrote. */
    static DeliveryFrame read(Frame frame) {
        try {
            return Json.MAPPER.readValue(frame.json(), DeliveryFrame.class);
        } catch (IOException e) {
            throw new UncheckedIOException("a frame of the deliveries topic is not a DeliveryFrame", e);
        }
    }

    /** @return {@code json} as one data-only server-sent event */
    static String data(Object json) {
        return ServerSentEvents.data(Json.write(json));
    }

    /**
     * Answers with OpenAI's error body, unless the response has ended.
     *
     * @param type {@code invalid_request_error}, {@code authentication_error}, {@code permission_error},
     *             {@code not_found_error} or {@code api_error}
     */
    static void error(HttpServerResponse response, int status, String type, String message) {
        if (response.ended()) {
            return;
        }
        Log.debugf("OpenAI facade: %d %s", status, message);
        response.setStatusCode(status).putHeader("content-type", "application/json")
                .end(Json.write(new ErrorBody(new Error(message, type, null, null))));
    }
}
