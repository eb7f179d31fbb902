package dev.tokenstream.processor.streams;

import dev.tokenstream.events.Merge;
import dev.tokenstream.events.Topics;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * Decodes the raw bytes of an input topic. A record that decodes and names the stream of its key goes on to the
 * state machine; any other (bad JSON, missing fields, a key that is not its stream id) goes, bytes unchanged, to
 * the dead-letter sink with headers that say why and where from. Processing goes on either way.
 *
 * @param <T> the record type of the topic
 */
final class DecodeProcessor<T> implements Processor<String, byte[], String, Object> {

    private final Deserializer<T> deserializer;
    private final Function<T, String> streamIdOf;
    private final Function<T, String> invalid;
    private final Function<T, StreamInput> wrap;
    private final StreamMetrics metrics;
    private ProcessorContext<String, Object> context;

    /**
     * @param invalid says what is wrong with a decoded record (a required field it lacks, a malformed part), or
     *                returns null when it is well-formed
     */
    DecodeProcessor(Deserializer<T> deserializer, Function<T, String> streamIdOf, Function<T, String> invalid,
                    Function<T, StreamInput> wrap, StreamMetrics metrics) {
        this.deserializer = deserializer;
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
        T value;
        try {
            value = deserializer.deserialize(topic, record.value());
        } catch (SerializationException e) {
            deadLetter(record, e.getMessage());
            return;
        }
        if (value == null) {
            deadLetter(record, "empty record value");
            return;
        }
        String streamId = streamIdOf.apply(value);
        if (streamId == null || streamId.isBlank()) {
            deadLetter(record, "record names no streamId");
            return;
        }
        String wrong = invalid.apply(value);
        if (wrong != null) {
            deadLetter(record, wrong);
            return;
        }
        if (record.key() != null && !record.key().equals(Merge.partitionKey(streamId))) {
            deadLetter(record, "record key '" + record.key() + "' is not its streamId '" + streamId + "'"
                    + (Merge.groupOf(streamId).isPresent() ? " (a merge group member's: its group's id)" : ""));
            return;
        }
        context.forward(record.withKey(streamId).withValue(wrap.apply(value)), StreamTopology.STATE_MACHINE);
    }

    private void deadLetter(Record<String, byte[]> record, String why) {
        String origin = context.recordMetadata()
                .map(m -> m.topic() + "/" + m.partition() + "@" + m.offset())
                .orElse("unknown");
        var dead = record.withValue((Object) record.value());
        dead.headers().add(Topics.DLQ_HEADER_ERROR, why.getBytes(StandardCharsets.UTF_8));
        dead.headers().add(Topics.DLQ_HEADER_ORIGIN, origin.getBytes(StandardCharsets.UTF_8));
        context.forward(dead, StreamTopology.DLQ_SINK);
        metrics.deadLettered(context.recordMetadata().map(RecordMetadata::topic).orElse(null));
    }
}
