package dev.tokenstream.control.rest;

import dev.tokenstream.control.problem.ProblemException.Reason;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.tokenstream.events.Problem;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

import java.util.stream.Collectors;

/**
 * Answers a JSON body whose values do not fit the request's fields (a string where a number goes, an unknown enum
 * name) with 400 problem details naming the field, never the value. More specific than Quarkus' own mapper for
 * Jackson's MismatchedInputException, which answers plain JSON, so it takes precedence.
 */
@Provider
public class MismatchedInputMapper implements ExceptionMapper<MismatchedInputException> {

    @Context
    UriInfo uriInfo;

    @Override
    public Response toResponse(MismatchedInputException exception) {
        String field = exception.getPath().stream()
                .map(reference -> reference.getFieldName() != null ? reference.getFieldName()
                        : "[" + reference.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
        var reason = Reason.INVALID_REQUEST;
        return ProblemMapper.respond(new Problem(reason.type(), reason.title(), 400, field.isEmpty()
                ? "the request body does not have the shape of this operation's request"
                : field + " has the wrong type or value", ProblemMapper.path(uriInfo)));
    }
}
