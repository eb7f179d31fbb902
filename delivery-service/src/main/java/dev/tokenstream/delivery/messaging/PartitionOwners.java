package dev.tokenstream.delivery.messaging;

import dev.tokenstream.delivery.config.DeliveryConfig;
import dev.tokenstream.events.DeliveryOwners;
import dev.tokenstream.events.KafkaConnection;
import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Which delivery instance owns which partition of {@code tokenstream.deliveries}, so that each instance holds only
 * the streams of its partitions and forwards the others' clients to their owner ({@link OwnerFeeds}).
 *
 * <p>The instances share one consumer group ({@code mp.messaging.incoming.deliveries.group.id}) and name themselves
 * in their consumer's {@code client.id} ({@link DeliveryOwners}); this instance reads the others' assignment every
 * {@value #REFRESH_SECONDS} s, and at once when a lookup misses. Its own partitions come from its rebalance listener.
 */
@ApplicationScoped
public class PartitionOwners {

    static final int REFRESH_SECONDS = 5;

    private final Map<String, Object> connection;
    private final String group;
    private final String advertisedUrl;
    private final Set<Integer> owned = ConcurrentHashMap.newKeySet();
    private volatile int partitionCount;
    /** Partition to the advertised URL of the instance owning it, from the last look; never this instance. */
    private volatile Map<Integer, String> others = Map.of();
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "delivery-partition-owners");
        thread.setDaemon(true);
        return thread;
    });
    /** Made on the refresher's thread at its first look, used only there. */
    private DeliveryOwners owners;

    /**
     * @param kafka  the service's Kafka client configuration (all {@code kafka.*} settings)
     * @param group  the deliveries consumer group
     * @param config for {@code delivery.advertised-url}
     */
    public PartitionOwners(@Identifier("default-kafka-broker") Map<String, Object> kafka,
                           @ConfigProperty(name = "mp.messaging.incoming.deliveries.group.id") String group,
                           DeliveryConfig config) {
        this.connection = KafkaConnection.of(kafka);
        this.group = group;
        this.advertisedUrl = config.advertisedUrl();
    }

    @PostConstruct
    void scheduleRefresh() {
        refresher.scheduleWithFixedDelay(this::describe, REFRESH_SECONDS, REFRESH_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * @return the deliveries partition the stream's frames are written to; -1 before this instance knows the
     *         topic's partition count (before its first assignment)
     */
    public int partitionOf(String streamId) {
        int count = partitionCount;
        return count == 0 ? -1 : DeliveryOwners.partitionOf(streamId, count);
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
        String url = others.get(partition);
        if (url == null) {
            refreshSoon();
        }
        return Optional.ofNullable(url);
    }

    /** @return the partitions this instance reads now, in order */
    public Set<Integer> owned() {
        return new TreeSet<>(owned);
    }

    /** Called by the rebalance listener: these partitions are this instance's now. */
    void assigned(Collection<TopicPartition> partitions, int count) {
        partitionCount = count;
        partitions.forEach(p -> owned.add(p.partition()));
        refreshSoon();
    }

    /** Called by the rebalance listener: these partitions are no longer this instance's. */
    void revoked(Collection<TopicPartition> partitions) {
        partitions.forEach(p -> owned.remove(p.partition()));
        refreshSoon();
    }

    /** Looks at the group again soon, off the caller's thread; several asks at once make one look. */
    void refreshSoon() {
        if (refreshing.compareAndSet(false, true)) {
            refresher.schedule(() -> {
                refreshing.set(false);
                describe();
            }, 200, TimeUnit.MILLISECONDS);
        }
    }

    private void describe() {
        try {
            if (owners == null) {
                owners = new DeliveryOwners(connection, group, "delivery-partition-owners");
            }
            Map<Integer, String> found = new HashMap<>(owners.owners());
            found.values().removeIf(advertisedUrl::equals);
            others = Map.copyOf(found);
        } catch (RuntimeException e) {
            Log.debugf(e, "deliveries group %s: cannot read its members now", group);
        }
    }

    @PreDestroy
    void close() {
        refresher.shutdownNow();
        if (owners != null) {
            owners.close();
        }
    }
}
