package dev.tokenstream.processor.query;

import dev.tokenstream.auth.Caller;
import dev.tokenstream.events.ApiKey;
import dev.tokenstream.events.ModelStats;
import dev.tokenstream.events.TenantUsage;
import dev.tokenstream.events.Problem;
import dev.tokenstream.events.StreamIds;
import dev.tokenstream.events.StreamStats;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.List;

/**
 * The processor's interactive queries (JSON; errors as RFC 9457 problem details):
 * <ul>
 *   <li>{@code GET /v1/streams/{id}/stats}: a stream's or merge group's statistics now ({@link StreamStats}),
 *   from the instance that owns it; 404 when no instance knows it (never started, or past retention); 400 for
 *   an id that is not a stream id.</li>
 *   <li>{@code GET /v1/models/stats?sinceMillis=}: every provider/model one-minute window ending after
 *   {@code sinceMillis} (default: the last 15 minutes), from every instance ({@link ModelStats}).</li>
 * </ul>
 * Both answer 503 with {@code Retry-After: 1} when a store stays unavailable through the retries (a rebalance
 * or a restore). {@code local=true} is for instances forwarding to each other.
 * <p>
 * Callers authenticate ({@link Caller}): other services with their key see every stream; a tenant's key sees its
 * own streams only, another tenant's is answered 404 as if it did not exist.
 */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class StatsResource {

    private static final long DEFAULT_WINDOW_MILLIS = 15 * 60_000;

    private final StatsQueries queries;
    private final SecurityIdentity identity;

    public StatsResource(StatsQueries queries, SecurityIdentity identity) {
        this.queries = queries;
        this.identity = identity;
    }

    @GET
    @Path("/streams/{id}/stats")
    public Response stream(@PathParam("id") String id, @QueryParam("local") @DefaultValue("false") boolean local) {
        if (!StreamIds.isValid(id)) {
            return problem(400, "Bad Request", "the stream id in the path must be a UUID");
        }
        try {
            Caller caller = Caller.of(identity);
            return queries.stream(id, local).filter(stats -> caller.mayRead(id, stats.tenant()))
                    .map(stats -> Response.ok(stats).build())
                    .orElseGet(() -> problem(404, "Stream not found", "no processor instance holds stream " + id));
        } catch (StatsQueries.NotReadyException e) {
            return notReady(e);
        }
    }

    /**
     * {@code GET /v1/tenants/{tenant}/usage}: a tenant's running streams and the current minute's requests and output
     * tokens ({@link TenantUsage}), for control-service's quotas. Services see every tenant; a tenant's key its own
     * (another's: 404).
     */
    @GET
    @Path("/tenants/{tenant}/usage")
    public Response tenant(@PathParam("tenant") String tenant,
                           @QueryParam("local") @DefaultValue("false") boolean local) {
        if (!ApiKey.TENANT_NAME.matcher(tenant).matches()) {
            return problem(400, "Bad Request", "the tenant in the path must be 1 to 64 letters, digits, '.', '_' "
                    + "or '-'");
        }
        Caller caller = Caller.of(identity);
        if (caller.kind() != Caller.Kind.SERVICE_KEY && !tenant.equals(caller.tenant())) {
            return problem(404, "Tenant not found", "no usage of that tenant for this credential");
        }
        try {
            return Response.ok(queries.tenant(tenant, local)).build();
        } catch (StatsQueries.NotReadyException e) {
            return notReady(e);
        }
    }

    @GET
    @Path("/models/stats")
    public Response models(@QueryParam("sinceMillis") Long sinceMillis,
                           @QueryParam("local") @DefaultValue("false") boolean local) {
        long since = sinceMillis != null ? sinceMillis : System.currentTimeMillis() - DEFAULT_WINDOW_MILLIS;
        try {
            List<ModelStats> windows = queries.models(since, local);
            return Response.ok(windows).build();
        } catch (StatsQueries.NotReadyException e) {
            return notReady(e);
        }
    }

    private static Response notReady(StatsQueries.NotReadyException e) {
        Response response = problem(503, "Statistics not available yet", e.getMessage());
        return Response.fromResponse(response).header("Retry-After", "1").build();
    }

    private static Response problem(int status, String title, String detail) {
        return Response.status(status).type(Problem.MEDIA_TYPE).entity(Problem.of(status, title, detail, null)).build();
    }
}
