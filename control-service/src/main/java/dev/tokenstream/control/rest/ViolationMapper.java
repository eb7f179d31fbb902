package dev.tokenstream.control.rest;

import dev.tokenstream.control.problem.ProblemException.Reason;
import dev.tokenstream.events.Problem;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

import java.util.stream.Collectors;

/**
 * Answers a request body that breaks its constraints with a 400 problem details body naming each field. It maps
 * {@link ConstraintViolationException}, more specific than the {@code ValidationException} that Quarkus' own
 * mapper handles, so it takes precedence.
 */
@Provider
public class ViolationMapper implements ExceptionMapper<ConstraintViolationException> {

    @Context
    UriInfo uriInfo;

    @Override
    public Response toResponse(ConstraintViolationException violations) {
        String detail = violations.getConstraintViolations().stream()
                .map(v -> field(v.getPropertyPath().toString()) + " " + v.getMessage())
                .sorted()
                .collect(Collectors.joining("; "));
        var reason = Reason.INVALID_REQUEST;
        return ProblemMapper.respond(new Problem(reason.type(), reason.title(), 400, detail,
                ProblemMapper.path(uriInfo)));
    }

    /**
     * {@code "start.body.messages"} becomes {@code "messages"}: the caller knows only the body's field names (the
     * check that provider and model are there is named for its first field).
     */
    private static String field(String propertyPath) {
        int dot = propertyPath.indexOf('.', propertyPath.indexOf('.') + 1);
        String field = dot < 0 ? propertyPath : propertyPath.substring(dot + 1);
        return field.equals("providerAndModel") ? "provider" : field;
    }
}
