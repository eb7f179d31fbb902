package dev.tokenstream.control.messaging;

import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.client.SseEvent;

/**
 * delivery-service's SSE endpoint, as the Quarkus REST client reads it (the SSE parsing is the client's). Built per
 * delivery base URL by {@link DeliveredAnswers}: a stream's answer is read where its frames are.
 */
@Path("/v1/streams")
public interface DeliveryEventsApi {

    /**
     * @param id            the stream
     * @param authorization {@code Bearer <the services' key>}
     * @return the stream's frames as SSE events (event = the frame's type, data = the frame's JSON), from its first
     *         one; live ones as they come
     */
    @GET
    @Path("/{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    Multi<SseEvent<String>> events(@PathParam("id") String id, @HeaderParam("Authorization") String authorization);
}
