package dev.tokenstream.events;

/**
 * A client's message on a stream's WebSocket, {@code {"op":"pause"|"resume"|"cancel"}}: delivery relays it to the
 * control API and answers with an {@link OpReply}.
 *
 * @param op pause, resume or cancel (lower case, as {@link ControlAction}'s names)
 */
public record ClientOp(String op) {
}
