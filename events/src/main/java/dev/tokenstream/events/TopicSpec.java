package dev.tokenstream.events;

import java.time.Duration;
import java.util.List;

/**
 * How one topic of the contract is made: the one list ({@link #ALL}) that the local stack and the test kit create
 * topics from, and that a test holds {@code k8s/base/topics.yaml} and compose's topics job to.
 *
 * @param name             the topic's name, one of {@link Topics}
 * @param retention        how long records are kept (Kafka's {@code retention.ms}); null for a compacted topic
 * @param singlePartition  whether it has one partition whatever the deployment's count (the dead letters, read by
 *                         people; the provider catalog and the API keys, a few records every instance reads whole)
 */
public record TopicSpec(String name, Duration retention, boolean singlePartition) {

    /** Every topic of the contract, in the order a person reads them. */
    public static final List<TopicSpec> ALL = List.of(
            new TopicSpec(Topics.REQUESTS, Duration.ofDays(7), false),
            new TopicSpec(Topics.TOKENS, Duration.ofDays(7), false),
            new TopicSpec(Topics.CONTROL, Duration.ofDays(7), false),
            new TopicSpec(Topics.DELIVERIES, Duration.ofDays(7), false),
            new TopicSpec(Topics.STREAM_STATS, null, false),
            new TopicSpec(Topics.MODEL_SAMPLES, Duration.ofDays(1), false),
            new TopicSpec(Topics.MODEL_STATS, null, false),
            new TopicSpec(Topics.TENANT_SAMPLES, Duration.ofDays(1), false),
            new TopicSpec(Topics.CATALOG, null, true),
            new TopicSpec(Topics.API_KEYS, null, true),
            new TopicSpec(Topics.SESSIONS, null, false),
            new TopicSpec(Topics.DLQ, Duration.ofDays(30), true));

    /**
     * Whether the topic keeps the latest record of each key ({@code cleanup.policy=compact}) instead of a time.
     *
     * @return true for stream-stats, model-stats, the catalog, the API keys and the sessions
     */
    public boolean compacted() {
        return retention == null;
    }

    /**
     * The topic's partition count in a deployment whose topics have {@code partitions} partitions.
     *
     * @param partitions the deployment's partition count
     * @return 1 for a single-partition topic, else {@code partitions}
     */
    public int partitions(int partitions) {
        return singlePartition ? 1 : partitions;
    }
}
