package dev.tokenstream.delivery.messaging;

/**
 * One delivery frame as it came from {@code tokenstream.deliveries}: its JSON, forwarded to clients unchanged.
 *
 * @param seq      the frame's delivery seq
 * @param type     its type on the wire ({@code token}, {@code completed}, ...)
 * @param json     the frame's JSON text
 * @param terminal whether the stream ends with it
 */
public record Frame(long seq, String type, String json, boolean terminal) {
}
