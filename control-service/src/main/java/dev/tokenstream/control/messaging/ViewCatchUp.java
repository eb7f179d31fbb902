package dev.tokenstream.control.messaging;

import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether {@link StreamDirectory}'s views (channels {@code requests-view}, {@code control-view},
 * {@code stats-view}) have taken in every record their topics held when their partitions were assigned. Until then
 * this instance does not know every stream (after a restart it reads them all again from the beginning), so it must
 * not answer 404 for a stream it has not reached yet: the API answers 503 with {@code Retry-After}, and readiness is
 * down. Counted by the records the views have processed, not by the consumers' positions, which run ahead of
 * processing. Caught up once, it stays so: the views are consumer groups of this instance alone.
 */
@ApplicationScoped
@Identifier(ViewCatchUp.NAME)
public class ViewCatchUp implements KafkaConsumerRebalanceListener {

    /** The listener's name, as the views' channels name it ({@code consumer-rebalance-listener.name}). */
    public static final String NAME = "control-views";
    /** The views, each its own topic. */
    static final int VIEWS = 3;

    /** Each assigned partition's end offset at its assignment. */
    private final Map<TopicPartition, Long> endAtAssignment = new ConcurrentHashMap<>();
    /** The offset after the last record each partition's view processed. */
    private final Map<TopicPartition, Long> processed = new ConcurrentHashMap<>();
    private final Map<String, Boolean> assignedTopics = new ConcurrentHashMap<>();
    private volatile boolean caughtUp;

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        consumer.endOffsets(partitions).forEach(endAtAssignment::putIfAbsent);
        partitions.forEach(p -> assignedTopics.put(p.topic(), true));
    }

    /**
     * A view took in a record.
     *
     * @param topic     its topic
     * @param partition its partition
     * @param offset    its offset
     */
    void processed(String topic, int partition, long offset) {
        processed.merge(new TopicPartition(topic, partition), offset + 1, Math::max);
    }

    /**
     * How far the views are behind the ends of their topics at the assignment.
     *
     * @return the records still to take in, 0 when caught up; -1 while a view has no assignment yet
     */
    public long recordsBehind() {
        if (caughtUp) {
            return 0;
        }
        if (assignedTopics.size() < VIEWS) {
            return -1;
        }
        long behind = 0;
        for (var partition : endAtAssignment.entrySet()) {
            behind += Math.max(0, partition.getValue() - processed.getOrDefault(partition.getKey(), 0L));
        }
        if (behind == 0) {
            caughtUp = true;
            Log.info("stream views caught up: every stream of the topics is known");
        }
        return behind;
    }
}
