package dev.tokenstream.control.rest;

import dev.tokenstream.control.problem.ProblemException;
import dev.tokenstream.events.Problem;
import io.quarkus.logging.Log;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** Answers every failed request with an RFC 9457 problem details body (validation: {@link ViolationMapper}). */
@Provider
public class ProblemMapper implements ExceptionMapper<Exception> {

    @Context
    UriInfo uriInfo;

    @Override
    public Response toResponse(Exception exception) {
        String path = path(uriInfo);
        if (exception instanceof ProblemException problem) {
            var reason = problem.reason();
            Response response = respond(new Problem(reason.type(), reason.title(), reason.status(), problem.getMessage(),
                    path));
            return problem.retryAfterSeconds() > 0 && response.getHeaderString("Retry-After") == null
                    ? Response.fromResponse(response).header("Retry-After", problem.retryAfterSeconds()).build()
                    : response;
        }
        if (exception instanceof WebApplicationException web) {
            int status = web.getResponse().getStatus();
            String detail = status == 400 ? "the request body is not valid JSON for this operation" : web.getMessage();
            return respond(Problem.of(status, Response.Status.fromStatusCode(status) == null ? "Error"
                    : Response.Status.fromStatusCode(status).getReasonPhrase(), detail, path));
        }
        Log.errorf(exception, "unexpected failure on %s", path);
        return respond(Problem.of(500, "Internal Server Error", "an unexpected error occurred; see the service log",
                path));
    }

    static String path(UriInfo uriInfo) {
        return uriInfo == null ? null : "/" + uriInfo.getPath().replaceFirst("^/", "");
    }

    static Response respond(Problem problem) {
        Response.ResponseBuilder response = Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem);
        if (problem.status() == Response.Status.SERVICE_UNAVAILABLE.getStatusCode()) {
            // Every 503 here is passing: Kafka slow to acknowledge, the processor restarting.
            response.header("Retry-After", "1");
        }
        return response.build();
    }

}
