package dev.tokenstream.processor.streams;

import dev.tokenstream.events.Merge;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.JsonRecords;
import dev.tokenstream.events.serde.TokenEventRecords;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Decodes the raw bytes of an input topic. A record that decodes and names the stream of its key goes on to the
 * state machine; any other (bad JSON, missing fields, a key that is not its stream id) goes, bytes unchanged, to
 * the dead-letter sink with headers that say why and where from. Processing goes on either way.
 * <p>
 * A topic read with {@link JsonRecords} may also hold records of several values (the tokens topic's arrays of
 * events of the streams of one partition, {@link TokenEventRecords}): each value is checked on its own, a bad one
 * dead-lettered, so it fails its own stream and never its neighbours; the rest go on together, as one input.
 *
 * @param <T> the record type of the topic
 */
final class DecodeProcessor<T> implements Processor<String, byte[], String, Object> {

    private final Deserializer<T> deserializer;
    private final JsonRecords<T> batches;
    private final Function<T, String> streamIdOf;
    private final Function<T, String> invalid;
    private final Function<T, StreamInput> wrap;
    private final Function<List<T>, StreamInput> wrapAll;
    private final StreamMetrics metrics;
    private ProcessorContext<String, Object> context;

    /**
     * @param batches reads the topic's records of several values, or null when every record holds one
     * @param wrapAll the state machine's input for the well-formed values of a record of several (used with
     *                {@code batches})
     * @param invalid says what is wrong with a decoded record (a required field it lacks, a malformed part), or
     *                returns null when it is well-formed
     */
    DecodeProcessor(Deserializer<T> deserializer, JsonRecords<T> batches, Function<T, String> streamIdOf,
                    Function<T, String> invalid, Function<T, StreamInput> wrap,
                    Function<List<T>, StreamInput> wrapAll, StreamMetrics metrics) {
        this.deserializer = deserializer;
        this.batches = batches;
        this.metrics = metrics;
        this.streamIdOf = streamIdOf;
        this.invalid = invalid;
        this.wrap = wrap;
        this.wrapAll = wrapAll;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, byte[]> record) {
        String topic = context.recordMetadata().map(RecordMetadata::topic).orElse("unknown");
        if (batches != null && JsonRecords.isBatch(record.value())) {
            processBatch(topic, record);
            return;
        }
        T value;
        try {
            value = deserializer.deserialize(topic, record.value());
        } catch (SerializationException e) {
            deadLetter(record, e.getMessage(), -1);
            return;
        }
        if (value == null) {
            deadLetter(record, "empty record value", -1);
            return;
        }
        if (wellFormed(record, value, -1)) {
            context.forward(record.withKey(streamIdOf.apply(value)).withValue(wrap.apply(value)),
                    StreamTopology.STATE_MACHINE);
        }
    }

    private void processBatch(String topic, Record<String, byte[]> record) {
        List<T> values;
        try {
            values = batches.deserialize(topic, record.value());
        } catch (SerializationException e) {
            List<JsonRecords.Element<T>> elements;
            try {
                elements = batches.elements(record.value());
            } catch (SerializationException whole) {
                deadLetter(record, whole.getMessage(), -1);
                return;
            }
            values = new ArrayList<>(elements.size());
            for (int i = 0; i < elements.size(); i++) {
                JsonRecords.Element<T> element = elements.get(i);
                if (element.value() == null) {
                    deadLetter(record.withValue(element.undecodable()), element.error(), i);
                    values.add(null);
                } else {
                    values.add(element.value());
                }
            }
        }
        List<T> good = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            T value = values.get(i);
            if (value != null && wellFormed(record, value, i)) {
                good.add(value);
            }
        }
        if (good.size() == 1) {
            context.forward(record.withKey(streamIdOf.apply(good.get(0))).withValue(wrap.apply(good.get(0))),
                    StreamTopology.STATE_MACHINE);
        } else if (!good.isEmpty()) {
            context.forward(record.withKey((String) null).withValue(wrapAll.apply(good)), StreamTopology.STATE_MACHINE);
        }
    }

    /**
     * Whether a decoded value may go on; dead-letters it when not.
     *
     * @param element its index in a record of several, or -1 for a record of one (whose key must be its stream's)
     */
    private boolean wellFormed(Record<String, byte[]> record, T value, int element) {
        String streamId = streamIdOf.apply(value);
        if (streamId == null || streamId.isBlank()) {
            deadLetter(element < 0 ? record : record.withValue(JsonRecords.encode(value)), "record names no streamId",
                    element);
            return false;
        }
        String wrong = invalid.apply(value);
        if (wrong != null) {
            deadLetter(element < 0 ? record : record.withValue(JsonRecords.encode(value)), wrong, element);
            return false;
        }
        if (element < 0 && record.key() != null && !record.key().equals(Merge.partitionKey(streamId))) {
            deadLetter(record, "record key '" + record.key() + "' is not its streamId '" + streamId + "'"
                    + (Merge.groupOf(streamId).isPresent() ? " (a merge group member's: its group's id)" : ""), -1);
            return false;
        }
        return true;
    }

    /** @param element the bad value's index in a record of several (named in the origin header), or -1 */
    private void deadLetter(Record<String, byte[]> record, String why, int element) {
        String origin = context.recordMetadata()
                .map(m -> m.topic() + "/" + m.partition() + "@" + m.offset() + (element < 0 ? "" : "[" + element + "]"))
                .orElse("unknown");
        // Headers of their own: a record of several may have several dead letters, and its good values go on.
        var dead = new Record<String, Object>(record.key(), record.value(), record.timestamp(),
                new RecordHeaders(record.headers().toArray()));
        dead.headers().add(Topics.DLQ_HEADER_ERROR, why.getBytes(StandardCharsets.UTF_8));
        dead.headers().add(Topics.DLQ_HEADER_ORIGIN, origin.getBytes(StandardCharsets.UTF_8));
        context.forward(dead, StreamTopology.DLQ_SINK);
        metrics.deadLettered(context.recordMetadata().map(RecordMetadata::topic).orElse(null));
    }
}
