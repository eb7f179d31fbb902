package dev.tokenstream.delivery.client;

import dev.tokenstream.api.OpenSession;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.Path;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** control-service's sessions API: the facades continue conversations (the Responses API's previous response). */
@RegisterRestClient(configKey = "control-api")
@Path("/v1/sessions")
public interface SessionsApi {

    /**
     * Makes a session, or finds the one the body names.
     *
     * @param body          empty for a new session, {@link OpenSession#byKey} for the one a key names, or
     *                      {@link OpenSession#after} for the one to continue after that stream
     * @param authorization the facade client's {@code Authorization} header (its tenant's API key)
     * @return 201 or 200 with the session ({@code sessionId}); 404 problem details when {@code after} names no
     *         stream of the tenant's sessions
     */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    Uni<Response> open(OpenSession body, @HeaderParam("Authorization") String authorization);
}
