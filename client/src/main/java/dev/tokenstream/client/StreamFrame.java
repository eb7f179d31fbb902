package dev.tokenstream.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One message from the delivery WebSocket (protocol v1): a stream frame ({@code started}, {@code token},
 * {@code paused}, {@code resumed}, {@code completed}, {@code failed}, {@code cancelled}) with its delivery seq,
 * or an answer to a client op ({@code ack}, {@code error}) without one.
 *
 * @param type the frame type
 * @param seq  the delivery seq, or -1 for ack and error frames
 * @param text token frames: the text; otherwise null
 * @param json the whole frame
 */
public record StreamFrame(String type, long seq, String text, JsonNode json) {

    /** @return whether the stream ends with this frame */
    public boolean isTerminal() {
        return "completed".equals(type) || "failed".equals(type) || "cancelled".equals(type);
    }

    /** @return whether this is a token frame */
    public boolean isToken() {
        return "token".equals(type);
    }

    /** @return when ingest received this token from the provider, epoch microseconds; 0 if not a token */
    public long emittedAtMicros() {
        return json.path("emittedAtMicros").asLong(0);
    }

    static StreamFrame of(JsonNode json) {
        return new StreamFrame(json.path("type").asText(""), json.path("seq").asLong(-1),
                json.hasNonNull("text") ? json.get("text").asText() : null, json);
    }
}
