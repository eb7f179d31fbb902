package dev.tokenstream.processor.streams;

import dev.tokenstream.events.Merge;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.Json;
import dev.tokenstream.events.serde.TokenEventRecords;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;

/**
 * Decodes the raw bytes of an input topic. A record that decodes and names the stream of its key goes on to the
 * state machine; any other (bad JSON, missing fields, a key that is not its stream id) goes, bytes unchanged, to
 * the dead-letter sink with headers that say why and where from. Processing goes on either way.
 * <p>
 * A topic with {@link Batches} may also hold records of several values (the tokens topic's arrays of events of the
 * streams of one partition, {@link TokenEventRecords}): each value goes on, or to the dead letters, on its own, so
 * a bad event fails its own stream and never its neighbours in the record.
 *
 * @param <T> the record type of the topic
 */
final class DecodeProcessor<T> implements Processor<String, byte[], String, Object> {

    /**
     * How a topic's records of several values are read.
     *
     * @param <T> the value type
     */
    interface Batches<T> {

        /** @return whether the record holds several values */
        boolean isBatch(byte[] value);

        /** @return all its values; a {@link SerializationException} when any does not decode */
        List<T> decode(String topic, byte[] value);

        /** @return its values one by one, a bad one with its bytes and why; throws when the whole is unreadable */
        List<Element<T>> elements(byte[] value);
    }

    /**
     * One value of a record of several.
     *
     * @param value the value, or null when it did not decode
     * @param bytes its bytes when it did not decode
     * @param error why it did not decode
     */
    record Element<T>(T value, byte[] bytes, String error) {
    }

    /** The tokens topic's arrays ({@link TokenEventRecords}). */
    static final Batches<TokenEvent> TOKEN_BATCHES = new Batches<>() {
        private final TokenEventRecords records = new TokenEventRecords();

        @Override
        public boolean isBatch(byte[] value) {
            return TokenEventRecords.isBatch(value);
        }

        @Override
        public List<TokenEvent> decode(String topic, byte[] value) {
            return records.deserialize(topic, value);
        }

        @Override
        public List<Element<TokenEvent>> elements(byte[] value) {
            return TokenEventRecords.elements(value).stream()
                    .map(e -> new Element<>(e.event(), e.undecodable(), e.error())).toList();
        }
    };

    private final Deserializer<T> deserializer;
    private final Batches<T> batches;
    private final Function<T, String> streamIdOf;
    private final Function<T, String> invalid;
    private final Function<T, StreamInput> wrap;
    private final StreamMetrics metrics;
    private ProcessorContext<String, Object> context;

    /**
     * @param batches how records of several values are read, or null when every record holds one
     * @param invalid says what is wrong with a decoded record (a required field it lacks, a malformed part), or
     *                returns null when it is well-formed
     */
    DecodeProcessor(Deserializer<T> deserializer, Batches<T> batches, Function<T, String> streamIdOf,
                    Function<T, String> invalid, Function<T, StreamInput> wrap, StreamMetrics metrics) {
        this.deserializer = deserializer;
        this.batches = batches;
        this.metrics = metrics;
        this.streamIdOf = streamIdOf;
        this.invalid = invalid;
        this.wrap = wrap;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, byte[]> record) {
        String topic = context.recordMetadata().map(RecordMetadata::topic).orElse("unknown");
        if (batches != null && batches.isBatch(record.value())) {
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
        accept(record, value, -1);
    }

    private void processBatch(String topic, Record<String, byte[]> record) {
        List<T> values;
        try {
            values = batches.decode(topic, record.value());
        } catch (SerializationException e) {
            List<Element<T>> elements;
            try {
                elements = batches.elements(record.value());
            } catch (SerializationException whole) {
                deadLetter(record, whole.getMessage(), -1);
                return;
            }
            for (int i = 0; i < elements.size(); i++) {
                Element<T> element = elements.get(i);
                if (element.value() == null) {
                    deadLetter(record.withValue(element.bytes()), element.error(), i);
                } else {
                    accept(record, element.value(), i);
                }
            }
            return;
        }
        for (int i = 0; i < values.size(); i++) {
            accept(record, values.get(i), i);
        }
    }

    /**
     * Forwards a decoded value, or dead-letters it when it is not well-formed.
     *
     * @param element its index in a record of several, or -1 for a record of one (whose key must be its stream's)
     */
    private void accept(Record<String, byte[]> record, T value, int element) {
        String streamId = streamIdOf.apply(value);
        if (streamId == null || streamId.isBlank()) {
            deadLetter(element < 0 ? record : record.withValue(Json.MAPPER.valueToTree(value).toString()
                    .getBytes(StandardCharsets.UTF_8)), "record names no streamId", element);
            return;
        }
        String wrong = invalid.apply(value);
        if (wrong != null) {
            deadLetter(element < 0 ? record : record.withValue(Json.MAPPER.valueToTree(value).toString()
                    .getBytes(StandardCharsets.UTF_8)), wrong, element);
            return;
        }
        if (element < 0 && record.key() != null && !record.key().equals(Merge.partitionKey(streamId))) {
            deadLetter(record, "record key '" + record.key() + "' is not its streamId '" + streamId + "'"
                    + (Merge.groupOf(streamId).isPresent() ? " (a merge group member's: its group's id)" : ""), -1);
            return;
        }
        context.forward(record.withKey(streamId).withValue(wrap.apply(value)), StreamTopology.STATE_MACHINE);
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
