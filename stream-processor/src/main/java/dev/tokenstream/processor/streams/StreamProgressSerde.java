package dev.tokenstream.processor.streams;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstream.events.serde.Json;
import dev.tokenstream.events.serde.JsonSerde;
import org.apache.kafka.common.errors.SerializationException;

import java.io.IOException;

/**
 * Serde of the {@link StreamTopology#STATE_STORE}'s values: writes {@link StreamProgress#FORMAT}, reads it and every
 * earlier format (a value without {@code format} is format 1, {@link StreamProgressV1}). A format newer than this
 * build's is refused with a {@link SerializationException}: a rolled-back processor must not misread state.
 */
final class StreamProgressSerde extends JsonSerde<StreamProgress> {

    StreamProgressSerde() {
        super(StreamProgress.class);
    }

    @Override
    public StreamProgress deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        try {
            JsonNode tree = Json.MAPPER.readTree(data);
            if (tree == null || !tree.isObject()) {
                throw new SerializationException("stream state on " + topic + " is not a JSON object");
            }
            JsonNode format = tree.get("format");
            if (format == null) {
                return Json.MAPPER.treeToValue(tree, StreamProgressV1.class).upgrade();
            }
            if (format.asInt() > StreamProgress.FORMAT) {
                throw new SerializationException("stream state on " + topic + " is of format " + format.asInt()
                        + ", newer than this processor's " + StreamProgress.FORMAT + ": upgrade the processor");
            }
            return Json.MAPPER.treeToValue(tree, StreamProgress.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new SerializationException("cannot read stream state from " + topic + ": " + e.getMessage(), e);
        }
    }
}
