package dev.tokenstream.ingest.messaging;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * stream-processor's interactive queries (config key {@code processor-api}; any instance, it forwards to the
 * stream's owner), called from a worker thread.
 */
@RegisterRestClient(configKey = "processor-api")
@Path("/v1/streams")
public interface ProcessorApi {

    /**
     * @param id a stream id
     * @return 200 with the stream's {@link dev.tokenstream.events.StreamStats}, 404 when no processor instance holds
     *         it, 503 while its store is not queryable
     */
    @GET
    @Path("/{id}/stats")
    @Produces(MediaType.APPLICATION_JSON)
    Response stats(@PathParam("id") String id);
}
