package dev.tokenstream.delivery.rest;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** The control-service API, to relay the pause, resume and cancel ops clients send over their socket. */
@RegisterRestClient(configKey = "control-api")
@Path("/v1/streams")
public interface ControlApi {

    /**
     * @param id     the stream
     * @param action pause, resume or cancel
     * @return 202 with {@code {commandId}}, or a problem details response (404, 409)
     */
    @POST
    @Path("/{id}/{action}")
    Uni<Response> command(@PathParam("id") String id, @PathParam("action") String action);
}
