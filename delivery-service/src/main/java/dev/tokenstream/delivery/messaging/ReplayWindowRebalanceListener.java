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

/**
 * On partition assignment, seeks each deliveries partition to the first offset of {@code delivery.replay-window}
 * ago (found by timestamp, not by scanning), so a fresh instance can serve resumes of recent streams, and tells
 * {@link FrameLogs} from when on memory holds streams whole.
 */
@ApplicationScoped
@Identifier("deliveries-replay-window")
public class ReplayWindowRebalanceListener implements KafkaConsumerRebalanceListener {

    private final DeliveryConfig config;
    private final FrameLogs logs;
    private volatile Map<TopicPartition, Long> endAtAssignment;

    public ReplayWindowRebalanceListener(DeliveryConfig config, FrameLogs logs) {
        this.config = config;
        this.logs = logs;
    }

    /** @return each assigned partition's end offset when it was assigned; null before the first assignment */
    public Map<TopicPartition, Long> endAtAssignment() {
        return endAtAssignment;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        long since = System.currentTimeMillis() - config.replayWindow().toMillis();
        // The end before the query: a record appended while the query runs is read, not skipped.
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(p -> query.put(p, since));
        Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(query);
        for (TopicPartition partition : partitions) {
            OffsetAndTimestamp found = offsets.get(partition);
            if (found != null) {
                consumer.seek(partition, found.offset());
            } else {
                consumer.seek(partition, end.get(partition));
            }
        }
        logs.holdWholeSince(since);
        endAtAssignment = Map.copyOf(end);
        Log.infof("deliveries: reading %d partitions from %s back", partitions.size(), config.replayWindow());
    }
}
