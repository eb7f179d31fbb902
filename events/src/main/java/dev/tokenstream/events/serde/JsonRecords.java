package dev.tokenstream.events.serde;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Records that hold one value of the contract as a JSON object, or several as a JSON array of them, in order:
 * what ingest writes to the tokens topic ({@link TokenEventRecords}) and the processor to the deliveries topic
 * ({@link DeliveryFrameRecords}) when the values of several streams of one partition travel together. Both shapes
 * are plain JSON text, so {@code kafka-console-consumer} shows them as they are; as a {@code value.deserializer}
 * a subclass gives a record's values as a list.
 * <p>
 * Null maps to null; a record that is neither a value nor a non-empty array of them is a
 * {@link SerializationException}, which names the type and topic but does not echo the record.
 *
 * @param <T> the value type
 */
public class JsonRecords<T> implements Deserializer<List<T>> {

    private final Class<T> type;
    private final JavaType listType;

    /**
     * One element of an array record, decoded on its own.
     *
     * @param value       the value, or null when the element did not decode
     * @param undecodable the element's JSON when it did not decode, else null
     * @param error       why it did not decode, else null
     * @param <T>         the value type
     */
    public record Element<T>(T value, byte[] undecodable, String error) {
    }

    protected JsonRecords(Class<T> type) {
        this.type = type;
        this.listType = Json.MAPPER.getTypeFactory().constructCollectionType(List.class, type);
    }

    /**
     * @param value a record value
     * @return whether it is an array (its first byte other than JSON whitespace is {@code [})
     */
    public static boolean isBatch(byte[] value) {
        if (value == null) {
            return false;
        }
        for (byte b : value) {
            if (b == '[') {
                return true;
            }
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return false;
            }
        }
        return false;
    }

    /**
     * @param value a value of the contract
     * @return its JSON, the value of a record of that one value
     * @throws SerializationException when Jackson cannot write it (a programming error)
     */
    public static byte[] encode(Object value) {
        try {
            return Json.MAPPER.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new SerializationException("cannot write a " + value.getClass().getSimpleName(), e);
        }
    }

    /**
     * @param values values as {@link #encode} wrote them, in order; at least one
     * @return the value of a record of all of them: their JSON array
     */
    public static byte[] batch(List<byte[]> values) {
        int size = values.size() + 1;
        for (byte[] value : values) {
            size += value.length;
        }
        byte[] out = new byte[size];
        out[0] = '[';
        int at = 1;
        for (byte[] value : values) {
            if (at > 1) {
                out[at++] = ',';
            }
            System.arraycopy(value, 0, out, at, value.length);
            at += value.length;
        }
        out[at] = ']';
        return out;
    }

    /**
     * @return the values of a record: one, or the array's in order
     * @throws SerializationException when the value is neither a value nor a non-empty array of them
     */
    @Override
    public List<T> deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        String name = type.getSimpleName();
        try {
            if (isBatch(data)) {
                List<T> values = Json.MAPPER.readValue(data, listType);
                if (values.isEmpty() || values.contains(null)) {
                    throw new SerializationException("an empty array or a null " + name + " on topic " + topic);
                }
                return values;
            }
            T value = Json.MAPPER.readValue(data, type);
            if (value == null) {
                throw new SerializationException("empty " + name + " on topic " + topic);
            }
            return List.of(value);
        } catch (IOException | RuntimeException e) {
            if (e instanceof SerializationException se) {
                throw se;
            }
            throw new SerializationException("cannot read " + name + " values from topic " + topic + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Decodes an array record element by element, so a consumer can set a bad element aside and keep its
     * neighbours (the processor's dead letters).
     *
     * @param batch a value for which {@link #isBatch} holds
     * @return its elements in order
     * @throws SerializationException when the value is not a JSON array at all
     */
    public List<Element<T>> elements(byte[] batch) {
        String name = type.getSimpleName();
        JsonNode array;
        try {
            array = Json.MAPPER.readTree(batch);
        } catch (IOException e) {
            throw new SerializationException("cannot read an array of " + name + " values: " + e.getMessage(), e);
        }
        if (array == null || !array.isArray()) {
            throw new SerializationException("not an array of " + name + " values");
        }
        List<Element<T>> elements = new ArrayList<>(array.size());
        for (JsonNode node : array) {
            try {
                T value = Json.MAPPER.treeToValue(node, type);
                elements.add(value == null ? new Element<>(null, node.toString().getBytes(StandardCharsets.UTF_8),
                        "a null " + name) : new Element<>(value, null, null));
            } catch (IOException | IllegalArgumentException e) {
                elements.add(new Element<>(null, node.toString().getBytes(StandardCharsets.UTF_8),
                        "cannot read a " + name + ": " + e.getMessage()));
            }
        }
        return elements;
    }
}
