package dev.tokenstream.delivery.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstream.api.StartStreamRequest;
import dev.tokenstream.events.serde.Json;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

import java.io.IOException;

/**
 * The control-service API: to start, look up and cancel the facades' streams, and to relay the pause, resume and
 * cancel ops clients send over their socket.
 */
@RegisterRestClient(configKey = "control-api")
@Path("/v1/streams")
public interface ControlApi {

    /** @return the JSON body of a control-service answer, or an empty object when there is none or it is not JSON */
    static JsonNode body(Response response) {
        try {
            String text = response.readEntity(String.class);
            return text == null || text.isBlank() ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(text);
        } catch (IOException | RuntimeException e) {
            return Json.MAPPER.createObjectNode();
        }
    }

    /**
     * Starts a stream, as the facade's clients ask.
     *
     * @param body          the start request, the same record the Java SDK sends
     * @param authorization the facade client's {@code Authorization} header (its tenant's API key)
     * @return 201 with {@code {streamId, links}}, or a problem details response (400, 401, 403, 503)
     */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    Uni<Response> start(StartStreamRequest body, @HeaderParam("Authorization") String authorization);

    /**
     * Looks a stream up, as the facades' clients may.
     *
     * @param id            the stream
     * @param authorization the client's credential
     * @return 200 with {@code {streamId, state, stats}}, or a problem details response (401, 403, 404, 503)
     */
    @GET
    @Path("/{id}")
    Uni<Response> status(@PathParam("id") String id, @HeaderParam("Authorization") String authorization);

    /**
     * Relays a client's op.
     *
     * @param id            the stream
     * @param action        pause, resume or cancel
     * @param authorization the client's credential: {@code Bearer <its stream token or API key>}
     * @return 202 with {@code {commandId}}, or a problem details response (401, 403, 404, 409)
     */
    @POST
    @Path("/{id}/{action}")
    Uni<Response> command(@PathParam("id") String id, @PathParam("action") String action,
                          @HeaderParam("Authorization") String authorization);
}
