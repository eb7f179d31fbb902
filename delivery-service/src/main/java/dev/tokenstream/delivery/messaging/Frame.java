package dev.tokenstream.delivery.messaging;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenstream.events.serde.Json;

import java.io.IOException;
import java.util.List;

/**
 * One delivery frame as it came from {@code tokenstream.deliveries}: its JSON, forwarded to clients unchanged.
 *
 * @param seq      the frame's delivery seq
 * @param type     its type on the wire ({@code token}, {@code completed}, ...)
 * @param json     the frame's JSON text
 * @param terminal whether the stream ends with it
 * @param text     token frames: the text; otherwise null
 */
public record Frame(long seq, String type, String json, boolean terminal, String text) {

    /** @return whether this is a token frame */
    public boolean isToken() {
        return "token".equals(type);
    }

    /**
     * Merges consecutive token frames of one stream into one: their texts joined, the last one's seq and
     * emission time, and {@code coalesced} = how many frames it stands for.
     */
    static Frame coalesce(String streamId, List<Frame> tokens) {
        var text = new StringBuilder();
        tokens.forEach(t -> text.append(t.text()));
        Frame last = tokens.get(tokens.size() - 1);
        long emittedAt;
        try {
            emittedAt = Json.MAPPER.readTree(last.json()).path("emittedAtMicros").asLong();
        } catch (IOException e) {
            emittedAt = 0;
        }
        ObjectNode json = Json.MAPPER.createObjectNode().put("type", "token").put("streamId", streamId)
                .put("seq", last.seq()).put("text", text.toString()).put("emittedAtMicros", emittedAt)
                .put("coalesced", tokens.size());
        return new Frame(last.seq(), "token", json.toString(), false, text.toString());
    }
}
