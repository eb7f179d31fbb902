package dev.tokenstream.api;

import jakarta.validation.constraints.Pattern;

/**
 * Body of {@code POST /v1/sessions}; may be absent, and at most one of its fields is given.
 *
 * @param key   a name of the tenant's choosing (an application's chat id): the same key always gives the same
 *              session, made the first time; 1 to 255 visible ASCII characters
 * @param after a stream id: the session to continue after that stream (its own, or a branch of it when a later
 *              turn followed it)
 */
public record OpenSession(
        @Pattern(regexp = "[\\x21-\\x7e]{1,255}", message = "must be 1 to 255 visible ASCII characters") String key,
        String after) {

    /** @return the body that finds or makes the session {@code key} names */
    public static OpenSession byKey(String key) {
        return new OpenSession(key, null);
    }

    /** @return the body that finds the session to continue after stream {@code streamId} */
    public static OpenSession after(String streamId) {
        return new OpenSession(null, streamId);
    }
}
