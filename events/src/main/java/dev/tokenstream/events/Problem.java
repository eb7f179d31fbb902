package dev.tokenstream.events;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An RFC 9457 problem details body, served as {@value #MEDIA_TYPE} by every service's HTTP API.
 *
 * @param type     a URI naming the kind of problem; {@code about:blank} when the status says it all
 * @param title    a short summary of the kind, the same for every problem of that type
 * @param status   the HTTP status code
 * @param detail   what went wrong in this case, in the API's own words (never echoing raw input)
 * @param instance the request path, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance) {

    /** The media type of a problem details body (RFC 9457, section 3). */
    public static final String MEDIA_TYPE = "application/problem+json";

    /**
     * A problem of type {@code about:blank}, whose title is the status's.
     *
     * @param status   the HTTP status code
     * @param title    the status's reason phrase or a short summary
     * @param detail   what went wrong in this case
     * @param instance the request path, or null
     * @return the problem
     */
    public static Problem of(int status, String title, String detail, String instance) {
        return new Problem("about:blank", title, status, detail, instance);
    }
}
