package dev.tokenstream.api;

import dev.tokenstream.events.TenantUsage;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * stream-processor's interactive queries, as control-service and ingest-service call them (config key
 * {@code processor-api}): any instance will do, it forwards the query to the instance that owns the stream. Served
 * by the processor's {@code StatsResource}; callers authenticate with the services' key.
 */
@RegisterRestClient(configKey = "processor-api")
@Path("/v1")
public interface ProcessorApi {

    /**
     * A stream's or merge group's state and statistics now.
     *
     * @param id the stream or merge group id
     * @return 200 with a {@link dev.tokenstream.events.StreamStats}; 404 problem details when no processor
     *         instance holds it (never requested, or ended longer ago than {@code processor.retain-terminal}); 503
     *         with {@code Retry-After} while its store is not queryable (a rebalance, a restore)
     */
    @GET
    @Path("/streams/{id}/stats")
    @Produces(MediaType.APPLICATION_JSON)
    Uni<Response> stats(@PathParam("id") String id);

    /**
     * A tenant's usage now: running streams, this minute's requests and output tokens.
     *
     * @param tenant the tenant
     * @return 200 with a {@link TenantUsage}; 503 while its store is not queryable
     */
    @GET
    @Path("/tenants/{tenant}/usage")
    @Produces(MediaType.APPLICATION_JSON)
    Uni<TenantUsage> usage(@PathParam("tenant") String tenant);
}
