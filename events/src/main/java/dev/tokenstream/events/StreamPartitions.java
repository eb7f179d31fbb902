package dev.tokenstream.events;

import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;

import java.nio.charset.StandardCharsets;

/**
 * Which partition of a topic holds a key's records: the one Kafka's producer chooses for a keyed record when no
 * partitioner is configured (none is, anywhere here). Called, rather than copied, so that reading a stream back
 * ({@code replay}), finding the delivery instance that owns it and the processor's writes can never disagree.
 */
public final class StreamPartitions {

    private StreamPartitions() {
    }

    /**
     * @param key        a record key: a stream id, or a merge group's id ({@link Merge#partitionKey})
     * @param partitions the topic's partition count, at least 1
     * @return the partition, 0 to {@code partitions - 1}
     */
    public static int partitionOf(String key, int partitions) {
        return BuiltInPartitioner.partitionForKey(key.getBytes(StandardCharsets.UTF_8), partitions);
    }
}
