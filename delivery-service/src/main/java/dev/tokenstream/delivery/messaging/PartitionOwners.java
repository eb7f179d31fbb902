package dev.tokenstream.delivery.messaging;

import dev.tokenstream.delivery.config.DeliveryConfig;
import dev.tokenstream.events.KafkaConnection;
import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
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
 * <p>The instances share one consumer group ({@code mp.messaging.incoming.deliveries.group.id}). Each one names
 * itself in its consumer's {@code client.id} as {@code delivery[<advertised URL>]}
 * ({@code delivery.advertised-url}); the others read the group's members and assignments with the Kafka Admin API
 * ({@code describeConsumerGroups}) every {@value #REFRESH_SECONDS} s, and at once when a lookup misses. This
 * instance's own partitions come from its rebalance listener. A stream's partition is the one Kafka's default
 * partitioner gives its key, the stream id: {@code murmur2(utf8(id)) mod partitions}, as the processor writes it.
 */
@ApplicationScoped
public class PartitionOwners {

    static final int REFRESH_SECONDS = 5;
    private static final String MEMBER_PREFIX = "delivery[";

    private final Map<String, Object> connection;
    private final String group;
    private final String topic;
    private final String advertisedUrl;
    private final Set<Integer> owned = ConcurrentHashMap.newKeySet();
    private volatile int partitionCount;
    /** Partition to the advertised URL of the instance owning it, from the last describe; never this instance. */
    private volatile Map<Integer, String> others = Map.of();
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "delivery-partition-owners");
        thread.setDaemon(true);
        return thread;
    });
    private Admin admin;

    /**
     * @param kafka  the service's Kafka client configuration (all {@code kafka.*} settings)
     * @param group  the deliveries consumer group
     * @param topic  the deliveries topic
     * @param config for {@code delivery.advertised-url}
     */
    public PartitionOwners(@Identifier("default-kafka-broker") Map<String, Object> kafka,
                           @ConfigProperty(name = "mp.messaging.incoming.deliveries.group.id") String group,
                           @ConfigProperty(name = "mp.messaging.incoming.deliveries.topic") String topic,
                           DeliveryConfig config) {
        this.connection = KafkaConnection.of(kafka);
        this.group = group;
        this.topic = topic;
        this.advertisedUrl = config.advertisedUrl();
    }

    @PostConstruct
    void scheduleRefresh() {
        refresher.scheduleWithFixedDelay(this::describe, REFRESH_SECONDS, REFRESH_SECONDS, TimeUnit.SECONDS);
    }

    /** @return the URL other instances reach this one at */
    public String advertisedUrl() {
        return advertisedUrl;
    }

    /**
     * @return the deliveries partition the stream's frames are written to; -1 before this instance knows the
     *         topic's partition count (before its first assignment)
     */
    public int partitionOf(String streamId) {
        int count = partitionCount;
        return count == 0 ? -1 : Utils.toPositive(Utils.murmur2(streamId.getBytes(StandardCharsets.UTF_8))) % count;
    }

    /** @return whether this instance reads the stream's partition now */
    public boolean ownsStream(String streamId) {
        int partition = partitionOf(streamId);
        return partition >= 0 && owned.contains(partition);
    }

    /**
     * @return the advertised URL of the instance owning the stream's partition, when another instance owns it and
     *         the last look at the group said which; empty otherwise (a lookup is then started)
     */
    public Optional<String> ownerUrl(String streamId) {
        int partition = partitionOf(streamId);
        String url = partition < 0 || owned.contains(partition) ? null : others.get(partition);
        if (url == null && partition >= 0 && !owned.contains(partition)) {
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
            if (admin == null) {
                Map<String, Object> config = new HashMap<>(connection);
                config.put(AdminClientConfig.CLIENT_ID_CONFIG, "delivery-partition-owners");
                config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
                config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
                admin = Admin.create(config);
            }
            ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).all()
                    .get(5, TimeUnit.SECONDS).get(group);
            Map<Integer, String> owners = new HashMap<>();
            for (MemberDescription member : description.members()) {
                String url = urlOf(member.clientId());
                if (url == null || url.equals(advertisedUrl)) {
                    continue;
                }
                member.assignment().topicPartitions().stream().filter(p -> p.topic().equals(topic))
                        .forEach(p -> owners.put(p.partition(), url));
            }
            others = Map.copyOf(owners);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            Log.debugf(e, "deliveries group %s: cannot read its members now", group);
        }
    }

    /** @return the advertised URL in a member's client id {@code delivery[<url>]...}, or null for another client */
    static String urlOf(String clientId) {
        int start = clientId == null ? -1 : clientId.indexOf(MEMBER_PREFIX);
        int end = start < 0 ? -1 : clientId.indexOf(']', start);
        return end < 0 ? null : clientId.substring(start + MEMBER_PREFIX.length(), end);
    }

    @PreDestroy
    void close() {
        refresher.shutdownNow();
        if (admin != null) {
            admin.close(java.time.Duration.ofSeconds(1));
        }
    }
}
