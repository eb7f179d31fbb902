package dev.tokenstream.control.rest;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An RFC 9457 problem details body, served as {@code application/problem+json}.
 *
 * @param type     a URI naming the kind of problem
 * @param title    a short summary of the kind
 * @param status   the HTTP status code
 * @param detail   what went wrong in this case
 * @param instance the request path
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance) {

    public static final String MEDIA_TYPE = "application/problem+json";
}
