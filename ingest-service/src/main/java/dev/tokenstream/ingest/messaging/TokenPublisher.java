package dev.tokenstream.ingest.messaging;

import dev.tokenstream.events.KafkaConnection;
import dev.tokenstream.events.Merge;
import dev.tokenstream.events.StreamPartitions;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.serde.TokenEventRecords;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Publishes {@link TokenEvent}s to {@code tokenstream.tokens}, keyed by stream id (a merge group member's by its
 * group's id, {@link Merge#partitionKey}, so a group meets in one partition), or to the stream's own topic in the
 * per-stream layout ({@link StreamTopics}). Events sent from one thread reach the partition in the order sent
 * (idempotent producer, {@code acks=all}, {@code linger.ms=1}: each token is latency-sensitive).
 * <p>
 * Two levels of batching, both only while the broker has a record in flight, so an idle pipeline adds no delay:
 * a stream's tokens that queue behind its own record in flight travel as one event (the stream's publication
 * batches them, and sends them from this publisher's flush thread when the acknowledgement comes); and the events
 * of all the streams of one partition that queue behind the partition's record in flight travel as one record
 * ({@link PartitionLane}, shared layout only). {@code tokenstream_ingest_token_records_total} and {@code
 * tokenstream_ingest_tokens_total} count token events and the provider tokens (answer and reasoning) in them, so
 * their ratio is the first batching; {@code tokenstream_ingest_records_total} counts the Kafka records written,
 * so events over records is the second.
 *
 * <p>A Kafka producer of its own, not a Reactive Messaging emitter: when the producer's buffer, or a partition's
 * queue, is full, {@link #publish} blocks the stream's worker thread (up to {@code max.block.ms}), which stops
 * reading the provider's response, so backpressure reaches the provider's socket instead of overflowing a buffer
 * in between (an emitter fails the send). Its client metrics are in {@code /q/metrics} ({@code kafka_producer_*}).
 */
@ApplicationScoped
public class TokenPublisher {

    private final Producer<String, byte[]> producer;
    private final long maxBlockMillis;
    /** One per partition of the tokens topic, made at the first publish (the partition count needs metadata). */
    private volatile PartitionLane[] lanes;
    private final KafkaClientMetrics metrics;
    private final StreamTopics streamTopics;
    private final ExecutorService flushes = Executors.newSingleThreadExecutor(runnable -> {
        var thread = new Thread(runnable, "tokenstream-ingest-flush");
        thread.setDaemon(true);
        return thread;
    });
    private final Counter tokenRecords;
    private final Counter tokens;
    private final Counter records;

    /**
     * @param kafka        the service's Kafka client configuration (all {@code kafka.*} settings), for the
     *                     connection
     * @param streamTopics the per-stream layout's topics
     * @param registry     where the producer's client metrics go
     */
    public TokenPublisher(@Identifier("default-kafka-broker") Map<String, Object> kafka, StreamTopics streamTopics,
                          MeterRegistry registry) {
        Map<String, Object> config = KafkaConnection.of(kafka);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "tokenstream-ingest-tokens");
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        this.maxBlockMillis = Long.parseLong(String.valueOf(config.getOrDefault(ProducerConfig.MAX_BLOCK_MS_CONFIG,
                60_000)));
        this.producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
        this.metrics = new KafkaClientMetrics(producer);
        this.metrics.bindTo(registry);
        this.streamTopics = streamTopics;
        this.tokenRecords = Counter.builder("tokenstream.ingest.token.records")
                .description("Events of answer or reasoning tokens written to the tokens topic").register(registry);
        this.tokens = Counter.builder("tokenstream.ingest.tokens")
                .description("Answer and reasoning tokens written, one or more an event").register(registry);
        this.records = Counter.builder("tokenstream.ingest.records")
                .description("Kafka records written with token events: one event, or the events of several streams "
                        + "of one partition").register(registry);
    }

    /**
     * Where streams send what queued behind an acknowledged record: one thread, so the producer's I/O thread,
     * which runs the acknowledgements, never blocks in a send.
     *
     * @return the flush executor
     */
    public Executor flushes() {
        return flushes;
    }

    /**
     * Hands the event to the producer, or to its partition's queue while a record of that partition is in flight;
     * blocks while the producer's buffer or the queue is full.
     *
     * @param event the event to publish
     * @return completes when the broker acknowledged the record holding it, or exceptionally when it failed
     */
    public CompletionStage<Void> publish(TokenEvent event) {
        var acked = new CompletableFuture<Void>();
        if (TokenEvent.batchable(event.kind())) {
            tokenRecords.increment();
            tokens.increment(event.tokenCount());
        }
        String key = Merge.partitionKey(event.streamId());
        try {
            byte[] value = TokenEventRecords.encode(event);
            Optional<String> own = streamTopics.topicOf(event.streamId(), event.seq() == 0);
            if (own.isEmpty()) {
                lane(key).publish(new PartitionLane.Pending(key, value, acked));
                return acked;
            }
            producer.send(new ProducerRecord<>(own.get(), key, value), (metadata, failure) -> {
                if (failure == null) {
                    acked.complete(null);
                } else {
                    acked.completeExceptionally(failure);
                }
            });
            records.increment();
        } catch (KafkaException e) {
            acked.completeExceptionally(e);
        }
        return acked;
    }

    private PartitionLane lane(String key) {
        PartitionLane[] known = lanes;
        if (known == null) {
            synchronized (this) {
                if (lanes == null) {
                    int partitions = producer.partitionsFor(Topics.TOKENS).size();
                    var made = new PartitionLane[partitions];
                    for (int p = 0; p < partitions; p++) {
                        made[p] = new PartitionLane(producer, Topics.TOKENS, p, maxBlockMillis, records);
                    }
                    lanes = made;
                }
                known = lanes;
            }
        }
        return known[StreamPartitions.partitionOf(key, known.length)];
    }

    @PreDestroy
    void close() {
        flushes.shutdown();
        producer.close(Duration.ofSeconds(10));
        metrics.close();
    }
}
