package dev.tokenstream.replay;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstream.events.KafkaConnection;
import dev.tokenstream.events.Merge;
import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.StreamStats;
import dev.tokenstream.events.StreamPartitions;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.Json;
import dev.tokenstream.events.serde.JsonSerde;
import dev.tokenstream.events.serde.TokenEventRecords;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads streams back from Kafka with plain clients, without a consumer group and without scanning whole topics:
 * a stream's records sit in the partition its key hashes to (Kafka's default partitioner, murmur2), and reading
 * starts a little before the time the stream was accepted (from its statistics) via {@code offsetsForTimes}.
 * Works for both topic layouts: {@code tokenstream.tokens.<streamId>} when that topic exists, else the shared
 * {@code tokenstream.tokens}. Undecodable records are skipped.
 */
public final class StreamLog implements AutoCloseable {

    /** Read from this long before a stream was accepted, for clock skew between services. */
    private static final long START_SLACK_MILLIS = 5_000;
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration API_TIMEOUT = Duration.ofSeconds(15);

    private final Admin admin;
    private final KafkaConsumer<String, byte[]> consumer;

    /** @param bootstrapServers the cluster, {@code host:port[,host:port]}, reached without authentication */
    public StreamLog(String bootstrapServers) {
        this(KafkaConnection.plain(bootstrapServers));
    }

    /** @param connection how to reach the cluster ({@link KafkaConnection}): bootstrap servers, security */
    public StreamLog(Map<String, Object> connection) {
        Map<String, Object> adminConfig = new HashMap<>(connection);
        adminConfig.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) API_TIMEOUT.toMillis());
        adminConfig.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) API_TIMEOUT.toMillis());
        this.admin = Admin.create(adminConfig);
        Map<String, Object> consumerConfig = new HashMap<>(connection);
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // Only what the processor committed: an aborted transaction's frames never reached a client either.
        consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerConfig.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) API_TIMEOUT.toMillis());
        consumerConfig.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) API_TIMEOUT.toMillis());
        this.consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * @param streamId the stream to read
     * @return its events, commands and statistics
     * @throws ReplayException when the stream never existed, or its events are past retention
     */
    public RecordedStream read(String streamId) {
        StreamStats stats = latestStats(streamId);
        long fromMillis = stats != null && stats.acceptedAtMicros() != null
                ? stats.acceptedAtMicros() / 1000 - START_SLACK_MILLIS : -1;
        String perStreamTopic = Topics.TOKENS + "." + streamId;
        String topic = topicExists(perStreamTopic) ? perStreamTopic : Topics.TOKENS;
        Map<Long, RecordedEvent> bySeq = new TreeMap<>();
        // A merge group member's events and commands are keyed by its group's id.
        String key = Merge.partitionKey(streamId);
        List<TopicPartition> partitions = topic.equals(Topics.TOKENS) ? List.of(partitionFor(topic, key))
                : partitionsOf(topic);
        // A record of the tokens topic holds one event, keyed, or the events of several streams, without a key.
        scan(partitions, topic.equals(Topics.TOKENS) ? fromMillis : -1, key, true, new TokenEventRecords(),
                (record, events) -> events.forEach(event -> {
                    if (streamId.equals(event.streamId())) {
                        bySeq.putIfAbsent(event.seq(), new RecordedEvent(event, record.topic(), record.partition(),
                                record.offset(), record.timestamp()));
                    }
                }));
        if (bySeq.isEmpty()) {
            throw notFound(streamId, stats, topic);
        }
        List<ControlCommand> commands = new ArrayList<>();
        scan(List.of(partitionFor(Topics.CONTROL, key)), fromMillis, key, false, JsonSerde.of(ControlCommand.class),
                (record, command) -> {
                    if (streamId.equals(command.streamId())) {
                        commands.add(command);
                    }
                });
        return new RecordedStream(streamId, topic, new ArrayList<>(bySeq.values()), commands, stats);
    }

    /**
     * @param streamId a stream id
     * @return the JSON text of the stream's delivery frames in {@code tokenstream.deliveries}, in offset order
     * @throws ReplayException when the stream never existed, or its frames are past retention
     */
    public List<String> deliveryFrames(String streamId) {
        StreamStats stats = latestStats(streamId);
        long fromMillis = stats != null && stats.acceptedAtMicros() != null
                ? stats.acceptedAtMicros() / 1000 - START_SLACK_MILLIS : -1;
        List<String> frames = new ArrayList<>();
        Deserializer<String> text = (topic, data) -> data == null ? null : new String(data, StandardCharsets.UTF_8);
        // A record holds one frame keyed by its stream, or (keyless) the frames of several streams of the partition.
        scan(List.of(partitionFor(Topics.DELIVERIES, streamId)), fromMillis, streamId, true, text,
                (record, frame) -> {
                    if (record.key() != null) {
                        frames.add(frame);
                        return;
                    }
                    try {
                        for (JsonNode element : Json.MAPPER.readTree(frame)) {
                            if (streamId.equals(element.path("streamId").asText(null))) {
                                frames.add(element.toString());
                            }
                        }
                    } catch (IOException e) {
                        // a poison record: the dead-letter topic has a copy; analysis goes on without it
                    }
                });
        if (frames.isEmpty()) {
            throw notFound(streamId, stats, Topics.DELIVERIES);
        }
        return frames;
    }

    private ReplayException notFound(String streamId, StreamStats stats, String topic) {
        if (stats == null) {
            return new ReplayException(ReplayException.Reason.NEVER_EXISTED, "no stream with id " + streamId
                    + " exists on this cluster: nothing in " + topic + " and no statistics in " + Topics.STREAM_STATS);
        }
        return new ReplayException(ReplayException.Reason.EXPIRED, "stream " + streamId + " (accepted "
                + Instant.ofEpochMilli(stats.acceptedAtMicros() == null ? 0 : stats.acceptedAtMicros() / 1000)
                + ") is older than the retention of " + topic + " (" + retention(topic)
                + "): its records are gone; its statistics remain (tokenstream stats)");
    }

    /**
     * @param streamId a stream id
     * @return its latest statistics from the compacted stats topic, or null
     */
    public StreamStats latestStats(String streamId) {
        StreamStats[] latest = new StreamStats[1];
        scan(List.of(partitionFor(Topics.STREAM_STATS, streamId)), -1, streamId, false,
                JsonSerde.of(StreamStats.class), (record, stats) -> latest[0] = stats);
        return latest[0];
    }

    /** @return the latest statistics of every stream in the stats topic, by stream id */
    public Map<String, StreamStats> allStats() {
        Map<String, StreamStats> latest = new LinkedHashMap<>();
        scan(partitionsOf(Topics.STREAM_STATS), -1, null, false, JsonSerde.of(StreamStats.class),
                (record, stats) -> latest.put(record.key(), stats));
        return latest;
    }

    /**
     * Reads the partitions from {@code fromMillis} (or the beginning when negative) up to their end offsets at
     * the time of the call, handing each decodable record of {@code key} (every key when null), and of no key when
     * {@code keyless}, to {@code sink}.
     */
    private <T> void scan(Collection<TopicPartition> partitions, long fromMillis, String key, boolean keyless,
                          Deserializer<T> deserializer, RecordSink<T> sink) {
        consumer.assign(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        if (fromMillis >= 0) {
            Map<TopicPartition, Long> query = new HashMap<>();
            partitions.forEach(p -> query.put(p, fromMillis));
            Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
            for (TopicPartition partition : partitions) {
                OffsetAndTimestamp offset = found.get(partition);
                consumer.seek(partition, offset == null ? end.get(partition) : offset.offset());
            }
        } else {
            consumer.seekToBeginning(partitions);
        }
        Set<TopicPartition> open = new HashSet<>(partitions);
        while (!open.isEmpty()) {
            open.removeIf(p -> consumer.position(p) >= end.get(p));
            if (open.isEmpty()) {
                break;
            }
            for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                if (record.offset() >= end.get(new TopicPartition(record.topic(), record.partition()))
                        || (key != null && !key.equals(record.key()) && !(keyless && record.key() == null))) {
                    continue;
                }
                try {
                    T value = deserializer.deserialize(record.topic(), record.value());
                    if (value != null) {
                        sink.accept(record, value);
                    }
                } catch (SerializationException e) {
                    // a poison record: the dead-letter topic has a copy; analysis goes on without it
                }
            }
        }
        consumer.unsubscribe();
    }

    private interface RecordSink<T> {
        void accept(ConsumerRecord<String, byte[]> record, T value);
    }

    private TopicPartition partitionFor(String topic, String key) {
        return new TopicPartition(topic, StreamPartitions.partitionOf(key, partitionsOf(topic).size()));
    }

    private List<TopicPartition> partitionsOf(String topic) {
        var infos = consumer.partitionsFor(topic, API_TIMEOUT);
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist on this cluster");
        }
        return infos.stream().map(i -> new TopicPartition(topic, i.partition()))
                .sorted(Comparator.comparingInt(TopicPartition::partition)).toList();
    }

    private boolean topicExists(String topic) {
        try {
            return admin.listTopics().names().get(API_TIMEOUT.toSeconds(), TimeUnit.SECONDS).contains(topic);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot list topics: " + e.getMessage(), e);
        }
    }

    /** @return the topic's {@code retention.ms} in words, e.g. {@code retention.ms = 604800000, 7 days} */
    public String retention(String topic) {
        try {
            var resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            var config = admin.describeConfigs(List.of(resource)).all().get(API_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                    .get(resource).get(TopicConfig.RETENTION_MS_CONFIG);
            long millis = Long.parseLong(config.value());
            return millis < 0 ? "retention.ms = -1, kept forever"
                    : "retention.ms = " + millis + ", " + Duration.ofMillis(millis).toHours() + " hours";
        } catch (Exception e) {
            return "retention unknown: " + e.getMessage();
        }
    }

    @Override
    public void close() {
        consumer.close();
        admin.close();
    }
}
