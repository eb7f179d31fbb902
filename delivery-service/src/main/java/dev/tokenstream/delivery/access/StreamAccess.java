package dev.tokenstream.delivery.access;

import dev.tokenstream.auth.Caller;
import dev.tokenstream.delivery.config.DeliveryConfig;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Who may read a stream's frames here: the holder of a stream token for it (a link's {@code token}, signed by
 * control-service), on a WebSocket from an allowed origin, and the services' key (another delivery instance feeding
 * its clients, {@link dev.tokenstream.delivery.messaging.OwnerFeeds}). A tenant's API key is refused with 403
 * (delivery does not know streams' tenants; the links control answers carry the token), a token for another stream
 * gets 404 as if the stream did not exist, and a browser page of an origin not in {@code delivery.allowed-origins} (nor this service's own)
 * gets 403, so another site cannot use a visitor's token (cross-site WebSocket hijacking).
 */
@ApplicationScoped
public class StreamAccess {

    private final DeliveryConfig config;

    public StreamAccess(DeliveryConfig config) {
        this.config = config;
    }

    /**
     * Why a request may not read a stream.
     *
     * @param status HTTP status (403 or 404)
     * @param detail a sentence for the client, which never repeats what the client sent
     */
    public record Refusal(int status, String detail) {
    }

    /**
     * @param identity the authenticated caller
     * @param streamId the stream asked for (already a valid stream id)
     * @param origin   the request's {@code Origin} header, or null (clients other than browsers send none)
     * @param host     the request's {@code Host} header, for a page served by this service
     * @return why it may not, or null when it may
     */
    public Refusal check(SecurityIdentity identity, String streamId, String origin, String host) {
        if (origin != null && !config.allowedOrigins().map(allowed -> allowed.contains(origin)).orElse(false)
                && !(host != null && (origin.equals("http://" + host) || origin.equals("https://" + host)))) {
            return new Refusal(403, "this page's origin is not in delivery.allowed-origins");
        }
        Caller caller = Caller.of(identity);
        if (caller.kind() == Caller.Kind.SERVICE_KEY) {
            return null;
        }
        if (caller.kind() != Caller.Kind.STREAM_TOKEN) {
            return new Refusal(403, "read a stream through the links control-service answers: they carry a stream "
                    + "token (GET /v1/streams/{id} with your API key gives fresh ones)");
        }
        if (!caller.covers(streamId)) {
            return new Refusal(404, "no stream with id " + streamId);
        }
        return null;
    }
}
