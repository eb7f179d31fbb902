package dev.tokenstream.delivery.rest;

import dev.tokenstream.delivery.config.DeliveryConfig;
import dev.tokenstream.events.serde.Json;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** {@code GET /config.json}: what the browser page at {@code /} needs to know, {@code {"controlUrl": ...}}. */
@ApplicationScoped
public class PageConfigRoute {

    private final DeliveryConfig config;

    public PageConfigRoute(DeliveryConfig config) {
        this.config = config;
    }

    void routes(@Observes Router router) {
        String body = Json.MAPPER.createObjectNode().put("controlUrl", config.controlPublicUrl()).toString();
        router.get("/config.json").handler(ctx -> ctx.response().putHeader("content-type", "application/json")
                .putHeader("cache-control", "no-cache").end(body));
    }
}
