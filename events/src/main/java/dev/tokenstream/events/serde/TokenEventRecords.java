package dev.tokenstream.events.serde;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstream.events.Merge;
import dev.tokenstream.events.TokenEvent;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The records of {@code tokenstream.tokens}. A record holds either one {@link TokenEvent} as a JSON object, keyed
 * by its stream's partition key ({@link Merge#partitionKey}), or, when ingest published the events of several
 * streams of one partition together (they queued behind the partition's record in flight), a JSON array of
 * events in the order they were published, with no key. Every event of an array belongs to the partition the
 * record is in; a stream's events keep their order across records and within one. Both are plain JSON text, so
 * {@code kafka-console-consumer} shows them as they are; {@code value.deserializer=}this class gives the events
 * of a record as a list.
 * <p>
 * Null maps to null; a record that is not an event or an array of events is a {@link SerializationException}.
 */
public final class TokenEventRecords implements Deserializer<List<TokenEvent>> {

    private static final JavaType EVENTS = Json.MAPPER.getTypeFactory()
            .constructCollectionType(List.class, TokenEvent.class);

    /**
     * One element of an array record, decoded on its own.
     *
     * @param event       the event, or null when the element did not decode
     * @param undecodable the element's JSON when it did not decode, else null
     * @param error       why it did not decode, else null
     */
    public record Element(TokenEvent event, byte[] undecodable, String error) {
    }

    /**
     * @param value a record value of the tokens topic
     * @return whether it is an array of events (its first byte other than JSON whitespace is {@code [})
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
     * @param event an event
     * @return its JSON, the value of a record of that one event
     * @throws SerializationException when Jackson cannot write it (a programming error)
     */
    public static byte[] encode(TokenEvent event) {
        try {
            return Json.MAPPER.writeValueAsBytes(event);
        } catch (IOException e) {
            throw new SerializationException("cannot write a token event of stream " + event.streamId(), e);
        }
    }

    /**
     * @param events events as {@link #encode} wrote them, in order; at least one
     * @return the value of a record of all of them: their JSON array
     */
    public static byte[] batch(List<byte[]> events) {
        int size = events.size() + 1;
        for (byte[] event : events) {
            size += event.length;
        }
        byte[] out = new byte[size];
        out[0] = '[';
        int at = 1;
        for (byte[] event : events) {
            if (at > 1) {
                out[at++] = ',';
            }
            System.arraycopy(event, 0, out, at, event.length);
            at += event.length;
        }
        out[at] = ']';
        return out;
    }

    /**
     * @return the events of a record: one, or the array's in order
     * @throws SerializationException when the value is neither an event nor an array of them
     */
    @Override
    public List<TokenEvent> deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        try {
            if (isBatch(data)) {
                List<TokenEvent> events = Json.MAPPER.readValue(data, EVENTS);
                if (events.isEmpty() || events.contains(null)) {
                    throw new SerializationException("an empty array or a null event on topic " + topic);
                }
                return events;
            }
            TokenEvent event = Json.MAPPER.readValue(data, TokenEvent.class);
            if (event == null) {
                throw new SerializationException("empty TokenEvent on topic " + topic);
            }
            return List.of(event);
        } catch (IOException | RuntimeException e) {
            if (e instanceof SerializationException se) {
                throw se;
            }
            throw new SerializationException("cannot read token events from topic " + topic + ": " + e.getMessage(),
                    e);
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
    public static List<Element> elements(byte[] batch) {
        JsonNode array;
        try {
            array = Json.MAPPER.readTree(batch);
        } catch (IOException e) {
            throw new SerializationException("cannot read an array of token events: " + e.getMessage(), e);
        }
        if (array == null || !array.isArray()) {
            throw new SerializationException("not an array of token events");
        }
        List<Element> elements = new ArrayList<>(array.size());
        for (JsonNode node : array) {
            try {
                TokenEvent event = Json.MAPPER.treeToValue(node, TokenEvent.class);
                elements.add(event == null ? new Element(null, node.toString().getBytes(StandardCharsets.UTF_8),
                        "a null event") : new Element(event, null, null));
            } catch (IOException | IllegalArgumentException e) {
                elements.add(new Element(null, node.toString().getBytes(StandardCharsets.UTF_8),
                        "cannot read a token event: " + e.getMessage()));
            }
        }
        return elements;
    }
}
