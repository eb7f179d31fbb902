package dev.tokenstream.events;

/**
 * A command on {@link Topics#CONTROL}, written by control-service once it checked the stream's state.
 *
 * @param commandId      unique id, returned to the caller in the 202 answer
 * @param streamId       the stream it applies to, also the record key
 * @param action         pause, resume or cancel
 * @param issuedAtMicros when control-service accepted it, epoch microseconds
 */
public record ControlCommand(String commandId, String streamId, ControlAction action, long issuedAtMicros) {
}
