package dev.tokenstream.delivery.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.ErrorInfo;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.Micros;
import dev.tokenstream.events.serde.Json;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One delivery frame as it came from {@code tokenstream.deliveries}: its JSON, forwarded to clients unchanged.
 *
 * @param seq      the frame's delivery seq
 * @param type     its type
 * @param json     the frame's JSON text, a {@link DeliveryFrame}
 * @param text     token frames: the text; otherwise null
 * @param tokens   token frames: how many provider tokens the text holds (the processor may coalesce several)
 * @param emittedAtMicros when the frame's content was emitted (tokens: when ingest received them), epoch
 *                 microseconds; 0 when the frame does not say
 */
public record Frame(long seq, FrameType type, String json, String text, int tokens, long emittedAtMicros) {

    /**
     * Reads a frame as the processor wrote it to the deliveries topic.
     *
     * @return the frame, or empty when it lacks {@code streamId}, {@code type} or {@code seq}
     * @throws IOException when it is not JSON
     * @throws IllegalArgumentException when its type is unknown
     */
    static Optional<Parsed> parse(String json) throws IOException {
        return parse(Json.MAPPER.readTree(json), json);
    }

    /**
     * Reads a record of the deliveries topic: one frame, or the array of frames the processor writes for a record
     * of several streams' events ({@code DeliveryFrameRecords}; each element's text is Jackson's compact JSON of
     * it, the same JSON the processor wrote).
     *
     * @return the frames in order; an element lacking {@code streamId}, {@code type} or {@code seq} is left out
     * @throws IOException when it is not JSON
     * @throws IllegalArgumentException when a type is unknown
     */
    static List<Parsed> parseAll(String json) throws IOException {
        JsonNode node = Json.MAPPER.readTree(json);
        if (node == null || !node.isArray()) {
            return node == null ? List.of() : parse(node, json).map(List::of).orElse(List.of());
        }
        List<Parsed> frames = new ArrayList<>(node.size());
        for (JsonNode element : node) {
            parse(element, element.toString()).ifPresent(frames::add);
        }
        return frames;
    }

    private static Optional<Parsed> parse(JsonNode node, String json) {
        String streamId = node.path("streamId").asText(null);
        String type = node.path("type").asText(null);
        if (streamId == null || type == null || !node.path("seq").canConvertToLong()) {
            return Optional.empty();
        }
        return Optional.of(new Parsed(streamId, new Frame(node.path("seq").asLong(), FrameType.fromWire(type), json,
                node.hasNonNull("text") ? node.get("text").asText() : null,
                node.path("tokens").asInt(1), node.path("emittedAtMicros").asLong(0))));
    }

    /** A frame and the stream it belongs to. */
    record Parsed(String streamId, Frame frame) {
    }

    /**
     * Whether this is a token frame.
     *
     * @return true for {@link FrameType#TOKEN}
     */
    public boolean isToken() {
        return type == FrameType.TOKEN;
    }

    /**
     * Whether the stream ends with this frame.
     *
     * @return true for completed, failed and cancelled
     */
    public boolean terminal() {
        return type.isTerminal();
    }

    /** A {@code failed} frame of delivery's own, made at {@code seq} with {@code error}, emitted now. */
    static Frame failed(String streamId, long seq, ErrorInfo error) {
        long now = Micros.now();
        var frame = new DeliveryFrame(FrameType.FAILED, streamId, seq, null, now, null, null, error);
        return new Frame(seq, FrameType.FAILED, Json.write(frame), null, 1, now);
    }

    /**
     * Merges consecutive token frames of one stream into one: their texts joined, the last one's seq and
     * emission time, and {@code coalesced} = how many frames it stands for.
     */
    static Frame coalesce(String streamId, List<Frame> tokens) {
        var text = new StringBuilder();
        tokens.forEach(t -> text.append(t.text()));
        Frame last = tokens.get(tokens.size() - 1);
        long emittedAt = last.emittedAtMicros();
        int count = tokens.stream().mapToInt(Frame::tokens).sum();
        var merged = new DeliveryFrame(FrameType.TOKEN, streamId, last.seq(), text.toString(), emittedAt, null, null,
                null, count, null, null, null, tokens.size());
        return new Frame(last.seq(), FrameType.TOKEN, Json.write(merged), text.toString(), count, emittedAt);
    }
}
