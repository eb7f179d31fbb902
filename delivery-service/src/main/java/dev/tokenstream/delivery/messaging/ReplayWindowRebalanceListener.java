package dev.tokenstream.delivery.messaging;

import dev.tokenstream.delivery.config.DeliveryConfig;
import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Follows this instance's share of the deliveries partitions (the instances share one consumer group, with the
 * cooperative sticky assignor: a rebalance moves only the partitions that must move). On assignment it seeks each
 * new partition to the first offset of {@code delivery.replay-window} ago (found by timestamp, not by scanning), so
 * the instance can serve resumes of its recent streams, and tells {@link FrameLogs} from when on memory holds
 * streams whole; on revocation (or loss) it hands the partitions' streams over ({@link FrameLogs#handOver}).
 */
@ApplicationScoped
@Identifier("deliveries-replay-window")
public class ReplayWindowRebalanceListener implements KafkaConsumerRebalanceListener {

    private final DeliveryConfig config;
    private final FrameLogs logs;
    private final PartitionOwners owners;
    private final Map<TopicPartition, Long> endAtAssignment = new ConcurrentHashMap<>();
    private volatile boolean assignedOnce;

    public ReplayWindowRebalanceListener(DeliveryConfig config, FrameLogs logs, PartitionOwners owners) {
        this.config = config;
        this.logs = logs;
        this.owners = owners;
    }

    /**
     * @return each partition this instance owns with its end offset when it was assigned; null before the first
     *         assignment
     */
    public Map<TopicPartition, Long> endAtAssignment() {
        return assignedOnce ? Map.copyOf(endAtAssignment) : null;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (!partitions.isEmpty()) {
            long since = System.currentTimeMillis() - config.replayWindow().toMillis();
            // The end before the query: a record appended while the query runs is read, not skipped.
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<TopicPartition, Long> query = new HashMap<>();
            partitions.forEach(p -> query.put(p, since));
            Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(query);
            for (TopicPartition partition : partitions) {
                OffsetAndTimestamp found = offsets.get(partition);
                consumer.seek(partition, found != null ? found.offset() : end.get(partition));
            }
            logs.holdWholeSince(since);
            endAtAssignment.putAll(end);
            String topic = partitions.iterator().next().topic();
            owners.assigned(partitions, consumer.partitionsFor(topic).size());
            Log.infof("deliveries: partitions %s assigned, read from %s back; this instance owns %s",
                    numbers(partitions), config.replayWindow(), owners.owned());
        }
        assignedOnce = true;
        logs.followNotOwned();
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        partitions.forEach(endAtAssignment::remove);
        owners.revoked(partitions);
        logs.handOver(numbers(partitions));
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        onPartitionsRevoked(consumer, partitions);
    }

    private static Set<Integer> numbers(Collection<TopicPartition> partitions) {
        Set<Integer> numbers = new TreeSet<>();
        partitions.forEach(p -> numbers.add(p.partition()));
        return numbers;
    }
}
