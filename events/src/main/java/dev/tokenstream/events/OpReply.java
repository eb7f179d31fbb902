package dev.tokenstream.events;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Delivery's answer to a {@link ClientOp} or to a malformed client message on a stream's WebSocket. It carries no
 * seq, so a client never takes it for a {@link DeliveryFrame}.
 *
 * @param type      {@value #ACK} (the control API accepted the command) or {@value #ERROR}
 * @param streamId  the stream the WebSocket serves
 * @param op        the op asked for, when the message named one
 * @param commandId ack: the id of the command written to the control topic
 * @param status    error: the HTTP status the control API answered, or 400 for a malformed message
 * @param detail    error: why, in the API's words
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OpReply(String type, String streamId, String op, String commandId, Integer status, String detail) {

    /** The type of a reply to an accepted op. */
    public static final String ACK = "ack";
    /** The type of a reply to a refused or malformed op. */
    public static final String ERROR = "error";

    /**
     * An accepted op.
     *
     * @param streamId  the stream
     * @param op        the op
     * @param commandId the command's id on the control topic
     * @return the ack
     */
    public static OpReply ack(String streamId, String op, String commandId) {
        return new OpReply(ACK, streamId, op, commandId, null, null);
    }

    /**
     * A refused or malformed op.
     *
     * @param streamId the stream
     * @param op       the op, or null when the message named none
     * @param status   the HTTP status that says why
     * @param detail   why
     * @return the error
     */
    public static OpReply error(String streamId, String op, int status, String detail) {
        return new OpReply(ERROR, streamId, op, null, status, detail);
    }
}
