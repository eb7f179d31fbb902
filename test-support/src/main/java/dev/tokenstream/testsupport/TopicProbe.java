package dev.tokenstream.testsupport;

import dev.tokenstream.events.Merge;
import dev.tokenstream.events.StreamPartitions;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.TokenEventRecords;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;

/** Reads and writes topics of the test broker with plain Kafka clients, for assertions. */
public final class TopicProbe {

    private TopicProbe() {
    }

    /** Writes one record and waits for the broker's acknowledgement. */
    public static <V> void send(String topic, String key, V value, Serializer<V> serializer) {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()),
                new StringSerializer(), serializer)) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot write to " + topic, e.getCause());
        }
    }

    /** Writes raw bytes (a poison record, say) and waits for the acknowledgement. */
    public static void sendRaw(String topic, String key, String value) {
        send(topic, key, value.getBytes(StandardCharsets.UTF_8), new ByteArraySerializer());
    }

    /**
     * Reads {@code topic} from the beginning until {@code done} holds for the records read so far, or the
     * timeout passes.
     *
     * @return every record read, in partition order
     */
    public static <V> List<ConsumerRecord<String, V>> readUntil(String topic, Deserializer<V> deserializer,
                                                                  Predicate<List<ConsumerRecord<String, V>>> done,
                                                                  Duration timeout) {
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "probe-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), deserializer)) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, V>> records = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline && !done.test(records)) {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            }
            return records;
        }
    }

    /**
     * Writes one record to the partition that holds {@code partitionKey}'s records (as a keyed record would go) and
     * waits for the acknowledgement: for the keyless records of several streams that ingest and the processor
     * write.
     *
     * @param key the record's key, or null
     */
    public static void sendToPartitionOf(String topic, String partitionKey, String key, byte[] value) {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer())) {
            int partition = StreamPartitions.partitionOf(partitionKey, producer.partitionsFor(topic).size());
            producer.send(new ProducerRecord<>(topic, partition, key, value)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot write to " + topic, e.getCause());
        }
    }

    /**
     * Reads the events of {@code tokenstream.tokens} from the beginning, each record's one event or its array's
     * ({@link TokenEventRecords}), until {@code done} holds for the events of {@code key} read so far, or the
     * timeout passes.
     *
     * @param key a stream id, or a merge group's id for all its members' events ({@link Merge#partitionKey})
     * @return the events of {@code key}, in the order of the log
     */
    public static List<TokenEvent> tokenEventsUntil(String key, Predicate<List<TokenEvent>> done, Duration timeout) {
        Predicate<TokenEvent> ofKey = e -> key.equals(e.streamId()) || key.equals(Merge.partitionKey(e.streamId()));
        return readUntil(Topics.TOKENS, new TokenEventRecords(),
                records -> done.test(records.stream().flatMap(r -> r.value().stream()).filter(ofKey).toList()),
                timeout).stream().flatMap(r -> r.value().stream()).filter(ofKey).toList();
    }

    /** @return a deserializer that keeps the bytes as UTF-8 text. */
    public static Deserializer<String> text() {
        return (topic, data) -> data == null ? null : new String(data, StandardCharsets.UTF_8);
    }

    /** @return raw bytes. */
    public static Deserializer<byte[]> bytes() {
        return new ByteArrayDeserializer();
    }
}
