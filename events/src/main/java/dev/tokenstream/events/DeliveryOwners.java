package dev.tokenstream.events;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.MemberDescription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Which delivery-service instance owns which partition of {@link Topics#DELIVERIES}, read from the instances' shared
 * consumer group ({@value #GROUP}) with the Kafka Admin API: each instance names its advertised URL in its
 * consumer's {@code client.id} as {@code delivery[<url>]}. A stream's frames are in the partition
 * {@link StreamPartitions#partitionOf} gives its id. Used by delivery (to feed
 * clients of streams another instance owns) and by control-service (to put the owner in a stream's links), both
 * through {@link #watch}: a look at the group every few seconds on a thread of its own, and soon after
 * {@link #lookSoon}, whose result {@link #known()} answers without a call to the cluster.
 */
public final class DeliveryOwners implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryOwners.class);

    /** The delivery instances' consumer group. */
    public static final String GROUP = "tokenstream-delivery";
    private static final String MEMBER_PREFIX = "delivery[";
    private static final long TIMEOUT_MILLIS = 5000;

    private static final long SOON_MILLIS = 200;

    private final Map<String, Object> config;
    private final String group;
    private final AtomicBoolean lookPending = new AtomicBoolean();
    private final ScheduledExecutorService looks;
    private volatile Admin admin;
    private volatile Map<Integer, String> known = Map.of();
    private volatile int knownPartitionCount;

    /**
     * @param connection how to reach the cluster ({@link KafkaConnection#of})
     * @param group      the delivery instances' consumer group
     * @param clientId   the Admin client's id
     */
    public DeliveryOwners(Map<String, Object> connection, String group, String clientId) {
        this.config = new HashMap<>(connection);
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT_MILLIS);
        this.group = group;
        this.looks = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, clientId);
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Looks at the group every {@code period} from now on (the first look after {@code firstAfter}), off the
     * caller's thread; a look that fails keeps the last one's result (logged at debug level).
     *
     * @param firstAfter the first look's delay
     * @param period     between the end of a look and the next
     * @return this
     */
    public DeliveryOwners watch(Duration firstAfter, Duration period) {
        looks.scheduleWithFixedDelay(this::look, firstAfter.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Looks at the group again within about 200 ms, off the caller's thread; several asks at once make one look. */
    public void lookSoon() {
        if (lookPending.compareAndSet(false, true)) {
            looks.schedule(() -> {
                lookPending.set(false);
                look();
            }, SOON_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** @return each assigned deliveries partition with its owner's advertised URL, as the last look found them */
    public Map<Integer, String> known() {
        return known;
    }

    /** @return the partition count of {@link Topics#DELIVERIES} the looks found; 0 before the first */
    public int knownPartitionCount() {
        return knownPartitionCount;
    }

    private void look() {
        try {
            if (knownPartitionCount == 0) {
                knownPartitionCount = partitionCount();
            }
            known = Map.copyOf(owners());
        } catch (RuntimeException e) {
            LOG.debug("group {}: cannot read its members now", group, e);
        }
    }

    private Admin admin() {
        if (admin == null) {
            synchronized (this) {
                if (admin == null) {
                    admin = Admin.create(config);
                }
            }
        }
        return admin;
    }


    /** @return the {@code client.id} a delivery instance reachable at {@code advertisedUrl} gives its consumer */
    public static String clientId(String advertisedUrl) {
        return MEMBER_PREFIX + advertisedUrl + "]";
    }

    /**
     * @return the advertised URL in a member's client id {@code delivery[<url>]} (a suffix may follow), or null for
     *         another client
     */
    public static String urlOf(String clientId) {
        int start = clientId == null ? -1 : clientId.indexOf(MEMBER_PREFIX);
        int end = start < 0 ? -1 : clientId.indexOf(']', start);
        return end < 0 ? null : clientId.substring(start + MEMBER_PREFIX.length(), end);
    }

    /**
     * Reads the group's members and their assignment now.
     *
     * @return each assigned deliveries partition with the advertised URL of the instance owning it
     * @throws DeliveryOwnersException when the cluster does not answer within 5 s
     */
    public Map<Integer, String> owners() {
        try {
            Map<Integer, String> owners = new HashMap<>();
            for (MemberDescription member : admin().describeConsumerGroups(List.of(group)).all()
                    .get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).get(group).members()) {
                String url = urlOf(member.clientId());
                if (url != null) {
                    member.assignment().topicPartitions().stream().filter(p -> p.topic().equals(Topics.DELIVERIES))
                            .forEach(p -> owners.put(p.partition(), url));
                }
            }
            return owners;
        } catch (ExecutionException | TimeoutException e) {
            throw new DeliveryOwnersException("cannot read the members of group " + group, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeliveryOwnersException("interrupted while reading group " + group, e);
        }
    }

    /**
     * @return how many partitions {@link Topics#DELIVERIES} has
     * @throws DeliveryOwnersException when the cluster does not answer within 5 s
     */
    public int partitionCount() {
        try {
            return admin().describeTopics(List.of(Topics.DELIVERIES)).allTopicNames()
                    .get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).get(Topics.DELIVERIES).partitions().size();
        } catch (ExecutionException | TimeoutException e) {
            throw new DeliveryOwnersException("cannot describe " + Topics.DELIVERIES, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeliveryOwnersException("interrupted while describing " + Topics.DELIVERIES, e);
        }
    }

    @Override
    public void close() {
        looks.shutdownNow();
        if (admin != null) {
            admin.close(Duration.ofSeconds(1));
        }
    }

    /** The cluster did not say who owns the partitions. */
    public static final class DeliveryOwnersException extends RuntimeException {
        DeliveryOwnersException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
