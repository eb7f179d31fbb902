package dev.tokenstream.control.service;

import dev.tokenstream.api.StreamLinks;
import dev.tokenstream.auth.StreamTokens;
import dev.tokenstream.control.config.ControlConfig;
import dev.tokenstream.control.messaging.DeliveryLinks;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Mints a stream's {@link StreamLinks}: its WebSocket and SSE URLs on the delivery instance that serves it, each
 * with a fresh stream token (to read and control this stream only), and its status URL.
 */
@ApplicationScoped
public class StreamLinker {

    private final DeliveryLinks deliveryLinks;
    private final StreamTokens tokens;
    private final ControlConfig config;

    public StreamLinker(DeliveryLinks deliveryLinks, StreamTokens tokens, ControlConfig config) {
        this.deliveryLinks = deliveryLinks;
        this.tokens = tokens;
        this.config = config;
    }

    /** @return the links of stream {@code id} of {@code tenant}, with a stream token valid for the token TTL */
    public StreamLinks links(String id, String tenant) {
        return links(id, tenant, null);
    }

    /**
     * @param unreachable the {@code host:port} of a delivery instance the client could not reach, or null
     * @return the links of stream {@code id} of {@code tenant}, on another delivery instance than
     *         {@code unreachable} where one is known
     */
    public StreamLinks links(String id, String tenant, String unreachable) {
        String delivery = deliveryLinks.baseUrl(id, unreachable);
        String token = "?token=" + tokens.issue(id, tenant, true);
        String ws = delivery.replaceFirst("^http", "ws") + "/v1/streams/" + id + "/ws" + token;
        return new StreamLinks(ws, delivery + "/v1/streams/" + id + "/events" + token,
                publicUrl("/v1/streams/" + id));
    }

    /** @return {@code path} on control-service's public base URL */
    public String publicUrl(String path) {
        return config.publicBaseUrl().replaceAll("/+$", "") + path;
    }
}
