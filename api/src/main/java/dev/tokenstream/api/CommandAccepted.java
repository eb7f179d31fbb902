package dev.tokenstream.api;

/**
 * Answer of {@code POST /v1/streams/{id}/pause|resume|cancel} (202), once Kafka acknowledged the command.
 *
 * @param commandId the command's id on {@code tokenstream.control}
 * @param streamId  the stream
 * @param action    {@code pause}, {@code resume} or {@code cancel}
 */
public record CommandAccepted(String commandId, String streamId, String action) {
}
