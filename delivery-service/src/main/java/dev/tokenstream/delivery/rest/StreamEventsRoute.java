package dev.tokenstream.delivery.rest;

import dev.tokenstream.delivery.sse.ServerSentEvents;
import dev.tokenstream.delivery.access.StreamAccess;
import dev.tokenstream.delivery.config.DeliveryConfig;
import dev.tokenstream.delivery.messaging.Frame;
import dev.tokenstream.delivery.messaging.FrameLogs;
import dev.tokenstream.delivery.messaging.FrameSink;
import dev.tokenstream.delivery.messaging.Subscriber;
import dev.tokenstream.events.Problem;
import dev.tokenstream.events.StreamIds;
import dev.tokenstream.events.serde.Json;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.smallrye.mutiny.Uni;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code GET /v1/streams/{id}/events}: the stream's frames as Server-Sent Events, {@code id:} = delivery seq,
 * {@code event:} = frame type, {@code data:} = the frame's JSON. A client resumes with {@code Last-Event-ID}
 * (or {@code ?after=<seq>}). Heartbeat comments keep idle connections open; {@code X-Accel-Buffering: no}
 * keeps nginx from buffering. The response ends after the terminal frame. The request is authenticated like the
 * WebSocket's ({@link StreamAccess}): 401, 403 or 404 problem details otherwise.
 */
@ApplicationScoped
public class StreamEventsRoute {

    private final FrameLogs logs;
    private final DeliveryConfig config;
    private final Vertx vertx;
    private final StreamAccess access;

    private final AtomicInteger connections = new AtomicInteger();

    public StreamEventsRoute(FrameLogs logs, DeliveryConfig config, Vertx vertx, StreamAccess access,
                             MeterRegistry registry) {
        this.logs = logs;
        this.access = access;
        this.config = config;
        this.vertx = vertx;
        registry.gauge("tokenstream.sse.connections", Tags.empty(), connections);
    }

    void routes(@Observes Router router) {
        router.get("/v1/streams/:id/events").handler(this::events);
    }

    private void events(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        if (!StreamIds.isValid(id)) {
            // Never echoed: the id goes into the event stream's text, where a line break would forge events.
            ctx.response().setStatusCode(400).putHeader("content-type", Problem.MEDIA_TYPE)
                    .end(Json.write(Problem.of(400, "Bad Request", "the stream id in the path must be a UUID", null)));
            return;
        }
        StreamAccess.Refusal refusal = access.check(((QuarkusHttpUser) ctx.user()).getSecurityIdentity(), id,
                ctx.request().getHeader("Origin"), ctx.request().getHeader("Host"));
        if (refusal != null) {
            ctx.response().setStatusCode(refusal.status()).putHeader("content-type", Problem.MEDIA_TYPE)
                    .end(Json.write(Problem.of(refusal.status(), refusal.status() == 404 ? "Stream not found"
                            : "Forbidden", refusal.detail(), null)));
            return;
        }
        String lastEventId = ctx.request().getHeader("Last-Event-ID");
        String after = lastEventId != null ? lastEventId : ctx.queryParams().get("after");
        long afterSeq;
        try {
            afterSeq = after == null ? -1 : Long.parseLong(after.trim());
        } catch (NumberFormatException e) {
            ctx.response().setStatusCode(400).putHeader("content-type", Problem.MEDIA_TYPE)
                    .end(Json.write(Problem.of(400, "Bad Request", "Last-Event-ID and after must be a delivery seq",
                            null)));
            return;
        }
        HttpServerResponse response = ServerSentEvents.start(ctx.response());
        response.write(ServerSentEvents.comment("stream " + id));
        connections.incrementAndGet();
        var counted = new AtomicBoolean(true);
        Runnable disconnected = () -> {
            if (counted.getAndSet(false)) {
                connections.decrementAndGet();
            }
        };
        long heartbeat = vertx.setPeriodic(config.sseHeartbeat().toMillis(), t -> response.write(ServerSentEvents.comment("heartbeat")));
        Subscriber subscriber = logs.subscribe(id, afterSeq, new FrameSink() {
            @Override
            public Uni<Void> send(Frame frame) {
                String event = ServerSentEvents.event(frame.seq(), frame.type().wireName(), frame.json());
                return Uni.createFrom().completionStage(response.write(event).toCompletionStage());
            }

            @Override
            public void end() {
                vertx.cancelTimer(heartbeat);
                response.end();
            }

            @Override
            public void tooFarBehind(long lastSeq) {
                // An SSE client reconnects by itself, with Last-Event-ID = the last id it got.
                vertx.cancelTimer(heartbeat);
                response.end();
            }
        });
        response.closeHandler(v -> {
            vertx.cancelTimer(heartbeat);
            subscriber.close();
            disconnected.run();
        });
        response.endHandler(v -> disconnected.run());
    }
}
