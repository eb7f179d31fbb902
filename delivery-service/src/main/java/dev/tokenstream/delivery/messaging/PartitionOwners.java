package dev.tokenstream.delivery.messaging;

import dev.tokenstream.events.StreamPartitions;
import dev.tokenstream.delivery.config.DeliveryConfig;
import dev.tokenstream.events.DeliveryOwners;
import dev.tokenstream.events.KafkaConnection;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which delivery instance owns which partition of {@code tokenstream.deliveries}, so that each instance holds only
 * the streams of its partitions and forwards the others' clients to their owner ({@link OwnerFeeds}).
 *
 * <p>The instances share one consumer group ({@code mp.messaging.incoming.deliveries.group.id}) and name themselves
 * in their consumer's {@code client.id} ({@link DeliveryOwners}); this instance reads the others' assignment every
 * 5 s, and soon after a lookup misses or its own partitions change. Its own partitions come from its rebalance
 * listener.
 */
@ApplicationScoped
public class PartitionOwners {

    static final Duration REFRESH = Duration.ofSeconds(5);

    private final String advertisedUrl;
    private final Set<Integer> owned = ConcurrentHashMap.newKeySet();
    private volatile int partitionCount;
    private final DeliveryOwners owners;

    /**
     * @param kafka  the service's Kafka client configuration (all {@code kafka.*} settings)
     * @param group  the deliveries consumer group
     * @param config for {@code delivery.advertised-url}
     */
    public PartitionOwners(@Identifier("default-kafka-broker") Map<String, Object> kafka,
                           @ConfigProperty(name = "mp.messaging.incoming.deliveries.group.id") String group,
                           DeliveryConfig config) {
        this.owners = new DeliveryOwners(KafkaConnection.of(kafka), group, "delivery-partition-owners");
        this.advertisedUrl = config.advertisedUrl();
    }

    @PostConstruct
    void watch() {
        owners.watch(REFRESH, REFRESH);
    }

    /**
     * @return the deliveries partition the stream's frames are written to; -1 before this instance knows the
     *         topic's partition count (before its first assignment)
     */
    public int partitionOf(String streamId) {
        int count = partitionCount;
        return count == 0 ? -1 : StreamPartitions.partitionOf(streamId, count);
    }

    /** @return whether this instance reads the stream's partition now */
    public boolean ownsStream(String streamId) {
        int partition = partitionOf(streamId);
        return partition >= 0 && owned.contains(partition);
    }

    /**
     * @return the advertised URL of the instance owning the stream's partition, when another instance owns it and
     *         the last look at the group said which; empty otherwise (a look is then started)
     */
    public Optional<String> ownerUrl(String streamId) {
        int partition = partitionOf(streamId);
        if (partition < 0 || owned.contains(partition)) {
            return Optional.empty();
        }
        String url = owners.known().get(partition);
        if (url == null || url.equals(advertisedUrl)) {
            // Not known yet, or the last look predates this instance losing the partition.
            owners.lookSoon();
            return Optional.empty();
        }
        return Optional.of(url);
    }

    /** @return the partitions this instance reads now, in order */
    public Set<Integer> owned() {
        return new TreeSet<>(owned);
    }

    /** Called by the rebalance listener: these partitions are this instance's now. */
    void assigned(Collection<TopicPartition> partitions, int count) {
        partitionCount = count;
        partitions.forEach(p -> owned.add(p.partition()));
        owners.lookSoon();
    }

    /** Called by the rebalance listener: these partitions are no longer this instance's. */
    void revoked(Collection<TopicPartition> partitions) {
        partitions.forEach(p -> owned.remove(p.partition()));
        owners.lookSoon();
    }

    /** Looks at the group again soon, off the caller's thread: an owner could not be reached, or refused. */
    void refreshSoon() {
        owners.lookSoon();
    }

    @PreDestroy
    void close() {
        owners.close();
    }
}
