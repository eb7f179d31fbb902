package dev.tokenstream.control.rest;

import dev.tokenstream.api.OpenSession;
import dev.tokenstream.auth.Caller;
import dev.tokenstream.control.problem.ProblemException;
import dev.tokenstream.control.problem.ProblemException.Reason;
import dev.tokenstream.control.service.Sessions;
import dev.tokenstream.control.service.StreamLinker;
import dev.tokenstream.events.Session;
import dev.tokenstream.events.StreamIds;
import io.smallrye.mutiny.Uni;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.validation.Valid;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.net.URI;

/**
 * Conversations ({@link Sessions}): {@code POST /v1/sessions} makes one, {@code GET /v1/sessions/{id}} lists its
 * turns; a stream started with {@code sessionId} is the session's next turn. Tenants' API keys only; another
 * tenant's session is 404.
 */
@Path("/v1/sessions")
@Produces(MediaType.APPLICATION_JSON)
public class SessionsResource {

    private final Sessions sessions;
    private final SecurityIdentity identity;
    private final StreamLinker linker;

    public SessionsResource(Sessions sessions, SecurityIdentity identity, StreamLinker linker) {
        this.sessions = sessions;
        this.identity = identity;
        this.linker = linker;
    }

    /**
     * Makes a session, or finds the one {@code key} or {@code after} names.
     *
     * @return 201 with the new session, 200 with a known one; 400 for a bad body; 403 for a credential other than a
     *         tenant's API key; 404 when {@code after} names no stream of the tenant's sessions; 503 when Kafka did
     *         not take the write in time
     */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> open(@Valid OpenSession body) {
        String tenant = tenant();
        if (body != null && body.key() != null && body.after() != null) {
            throw new ProblemException(Reason.INVALID_REQUEST, "give key or after, not both");
        }
        if (body != null && body.after() != null && !StreamIds.isValid(body.after())) {
            throw new ProblemException(Reason.INVALID_REQUEST, "after must be a stream id (a UUID)");
        }
        Uni<Sessions.Made> made = body != null && body.after() != null ? sessions.after(tenant, body.after())
                : sessions.open(tenant, body == null ? null : body.key());
        return made.map(m -> (m.created()
                ? Response.created(URI.create(linker.publicUrl("/v1/sessions/" + m.session().sessionId())))
                : Response.ok()).entity(m.session()).build());
    }

    /**
     * @return 200 with the session: its turns, oldest first, each with its stream id, the messages it added and,
     *         once its stream ended, its answer as delivered and how it ended; 404 for an unknown session or
     *         another tenant's
     */
    @GET
    @Path("/{id}")
    public Uni<Session> find(@PathParam("id") String id) {
        if (!StreamIds.isValid(id)) {
            throw new ProblemException(Reason.SESSION_NOT_FOUND, "session ids are UUIDs");
        }
        return sessions.find(tenant(), id);
    }

    private String tenant() {
        Caller caller = Caller.of(identity);
        if (caller.kind() != Caller.Kind.TENANT_KEY) {
            throw new ProblemException(Reason.FORBIDDEN, "sessions belong to tenants: use a tenant's API key");
        }
        return caller.tenant();
    }
}
