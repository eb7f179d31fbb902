package dev.tokenstream.processor.streams;

import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.StreamPartitions;
import dev.tokenstream.events.serde.DeliveryFrameRecords;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.StreamPartitioner;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * How the deliveries sink writes: a {@link DeliveryFrame} keyed by its stream as one JSON object, in the partition
 * of its key (Kafka's own choice for a keyed record, {@link StreamPartitions}); the frames made from one record of
 * several streams' token events as one keyless JSON array ({@link DeliveryFrameRecords}), in the partition of its
 * first frame's stream, which is every frame's: the tokens and deliveries topics have one partition count, and
 * the input record held one partition's streams.
 */
final class DeliveryRecords implements Serializer<Object>, StreamPartitioner<String, Object> {

    @Override
    public byte[] serialize(String topic, Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof List<?> frames) {
            List<byte[]> encoded = new ArrayList<>(frames.size());
            frames.forEach(frame -> encoded.add(DeliveryFrameRecords.encode(frame)));
            return DeliveryFrameRecords.batch(encoded);
        }
        return DeliveryFrameRecords.encode(value);
    }

    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, Object value, int numPartitions) {
        String streamId = key != null ? key
                : value instanceof List<?> frames && !frames.isEmpty() && frames.get(0) instanceof DeliveryFrame first
                ? first.streamId() : null;
        return streamId == null ? Optional.empty()
                : Optional.of(Set.of(StreamPartitions.partitionOf(streamId, numPartitions)));
    }
}
