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
import java.util.List;
import java.util.Map;

/**
 * On partition assignment, seeks each deliveries partition to the first offset of {@code delivery.replay-window}
 * ago (found by timestamp, not by scanning), so a fresh instance can serve resumes of recent streams.
 */
@ApplicationScoped
@Identifier("deliveries-replay-window")
public class ReplayWindowRebalanceListener implements KafkaConsumerRebalanceListener {

    private final DeliveryConfig config;

    public ReplayWindowRebalanceListener(DeliveryConfig config) {
        this.config = config;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        long since = System.currentTimeMillis() - config.replayWindow().toMillis();
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(p -> query.put(p, since));
        Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(query);
        for (TopicPartition partition : partitions) {
            OffsetAndTimestamp found = offsets.get(partition);
            if (found != null) {
                consumer.seek(partition, found.offset());
            } else {
                consumer.seekToEnd(List.of(partition));
            }
        }
        Log.infof("deliveries: reading %d partitions from %s back", partitions.size(), config.replayWindow());
    }
}
