package dev.tokenstream.processor.streams;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstream.events.serde.Json;
import dev.tokenstream.events.serde.JsonSerde;
import org.apache.kafka.common.errors.SerializationException;

import java.io.IOException;

/**
 * Serde of a changelogged store's values whose stored JSON carries a {@code format} number: writes the current one,
 * reads it and every earlier one (a value without {@code format} is format 1, read by the given reader), and refuses
 * a newer one with a {@link SerializationException}, so a rolled-back processor never misreads state.
 *
 * @param <T> the stored type
 */
class VersionedStateSerde<T> extends JsonSerde<T> {

    /** Reads a format-1 value (one without {@code format}). */
    @FunctionalInterface
    interface FormatOneReader<T> {
        T read(JsonNode tree) throws IOException;
    }

    private final Class<T> type;
    private final int format;
    private final FormatOneReader<T> formatOne;

    /**
     * @param format    the format this build writes (the value's {@code format} field)
     * @param formatOne how to read a value of format 1
     */
    VersionedStateSerde(Class<T> type, int format, FormatOneReader<T> formatOne) {
        super(type);
        this.type = type;
        this.format = format;
        this.formatOne = formatOne;
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        String what = type.getSimpleName() + " on " + topic;
        try {
            JsonNode tree = Json.MAPPER.readTree(data);
            if (tree == null || !tree.isObject()) {
                throw new SerializationException(what + " is not a JSON object");
            }
            JsonNode stored = tree.get("format");
            if (stored == null) {
                return formatOne.read(tree);
            }
            if (stored.asInt() > format) {
                throw new SerializationException(what + " is of format " + stored.asInt() + ", newer than this "
                        + "processor's " + format + ": upgrade the processor");
            }
            return Json.MAPPER.treeToValue(tree, type);
        } catch (IOException | IllegalArgumentException e) {
            throw new SerializationException("cannot read " + what + ": " + e.getMessage(), e);
        }
    }
}
