package dev.tokenstream.control.rest;

import dev.tokenstream.api.CommandAccepted;
import dev.tokenstream.api.StartStreamRequest;
import dev.tokenstream.api.StreamStatus;
import dev.tokenstream.auth.Caller;
import dev.tokenstream.control.problem.ProblemException;
import dev.tokenstream.control.problem.ProblemException.Reason;
import dev.tokenstream.control.service.StreamControl;
import dev.tokenstream.control.service.StreamStarts;
import dev.tokenstream.events.ControlAction;
import dev.tokenstream.events.StreamIds;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.net.URI;

/**
 * The client-facing control API, version 1: start a stream ({@link StreamStarts}), pause, resume or cancel it, read
 * its status ({@link StreamControl}). Translates HTTP only: the caller ({@link Caller}), path and header checks,
 * status codes. Errors are RFC 9457 problem details. A start or a command is answered only after Kafka acknowledged
 * the write.
 * <p>
 * Every call is authenticated: a tenant's API key starts streams and sees and controls that tenant's streams; a
 * stream token (from a stream's links) reads its stream's status and, when granted, controls it. Another tenant's
 * stream is answered 404, as if it did not exist.
 */
@Path("/v1/streams")
@Produces(MediaType.APPLICATION_JSON)
public class StreamsResource {

    private final StreamStarts starts;
    private final StreamControl control;
    private final SecurityIdentity identity;

    public StreamsResource(StreamStarts starts, StreamControl control, SecurityIdentity identity) {
        this.starts = starts;
        this.control = control;
        this.identity = identity;
    }

    /**
     * Starts a stream. With an {@code Idempotency-Key} (IETF draft-ietf-httpapi-idempotency-key-header), a retry
     * of the request answers the stream the first one started, with header {@code Idempotent-Replayed: true},
     * and writes nothing again: the key decides the stream id ({@link StreamIds#fromIdempotencyKey}). While the
     * processor cannot tell whether that stream exists, the request is written again under the same id, which the
     * processor and ingest take as the same stream.
     *
     * @param idempotencyKey optional: 1 to 255 visible ASCII characters, unique per intended stream
     * @param body           the request
     * @return 201 with the stream's id and links; 400 problem details for a bad body or key, a provider or model no
     *         ingest serves, or {@code maxTokens} over the provider's limit; 403 for a credential other than a
     *         tenant's API key; 404 for {@code replay:<id>} of a stream the tenant does not have; 422 when the key
     *         was used (on this instance, within the last minutes) with another body; 429 with {@code Retry-After}
     *         over one of the tenant's quotas; 503 when Kafka did not take the request in time (retry with the same
     *         key), or before ingest published its catalog
     */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> start(@HeaderParam("Idempotency-Key") String idempotencyKey,
                               @Valid @NotNull StartStreamRequest body) {
        return starts.start(Caller.of(identity), idempotencyKey, body).map(started -> {
            Response.ResponseBuilder response = Response.created(URI.create(started.created().links().self()))
                    .entity(started.created());
            return (started.replayed() ? response.header("Idempotent-Replayed", "true") : response).build();
        });
    }

    /**
     * A stream's or merge group's state, and its statistics once the processor has any; answered from the
     * processor's state store, so any instance answers for any stream until {@code processor.retain-terminal} after
     * it ended.
     *
     * @param unreachable optional: the base URL of a delivery instance the client could not connect to (the SDK
     *                    sends the one its link named); the fresh links then name another instance
     * @return 200; 400 problem details for an {@code unreachable} that is not an http(s) URL; 404 for an unknown
     *         stream, or another tenant's; 503 with {@code Retry-After} while the processor cannot answer
     *         (restarting)
     */
    @GET
    @Path("/{id}")
    public Uni<StreamStatus> status(@PathParam("id") String id, @QueryParam("unreachable") String unreachable) {
        checkId(id);
        return control.status(Caller.of(identity), id, authorityOf(unreachable));
    }

    /** @return the host and port of an http(s) URL; null for none */
    private static String authorityOf(String url) {
        if (url == null || url.isEmpty()) {
            return null;
        }
        try {
            URI uri = new URI(url);
            if (uri.getAuthority() != null && uri.getScheme() != null && uri.getScheme().matches("(?i)https?|wss?")) {
                return uri.getAuthority();
            }
        } catch (java.net.URISyntaxException e) {
            // answered below
        }
        throw new ProblemException(Reason.INVALID_REQUEST, "unreachable must be the base URL of a delivery instance, "
                + "e.g. http://delivery.example:8081");
    }

    @POST
    @Path("/{id}/pause")
    public Uni<Response> pause(@PathParam("id") String id) {
        return command(id, ControlAction.PAUSE);
    }

    @POST
    @Path("/{id}/resume")
    public Uni<Response> resume(@PathParam("id") String id) {
        return command(id, ControlAction.RESUME);
    }

    @POST
    @Path("/{id}/cancel")
    public Uni<Response> cancel(@PathParam("id") String id) {
        return command(id, ControlAction.CANCEL);
    }

    /** @return 202 with the command's id; 403, 404, 409 or 503 problem details ({@link StreamControl#command}) */
    private Uni<Response> command(String id, ControlAction action) {
        checkId(id);
        return control.command(Caller.of(identity), id, action)
                .map((CommandAccepted accepted) -> Response.accepted(accepted).build());
    }

    /** Refuses a path id that is not a stream id (400), without repeating it. */
    private static void checkId(String id) {
        if (!StreamIds.isValid(id)) {
            throw new ProblemException(Reason.INVALID_REQUEST, "the stream id in the path must be a UUID, e.g. "
                    + "019ab2c4-3f1e-7a4b-9c2d-5e6f7a8b9c0d");
        }
    }
}
