package dev.tokenstream.ingest.messaging;

import dev.tokenstream.events.KafkaConnection;
import dev.tokenstream.events.Merge;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.serde.EventSerdes;
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
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Publishes {@link TokenEvent}s to {@code tokenstream.tokens}, keyed by stream id (a merge group member's by its
 * group's id, {@link Merge#partitionKey}, so a group meets in one partition), or to the stream's own topic in the
 * per-stream layout ({@link StreamTopics}). Events sent from one thread reach the partition in the order sent
 * (idempotent producer, {@code acks=all}, {@code linger.ms=1}: each token is latency-sensitive). A stream's tokens
 * that queue behind its record in flight travel as one record (the stream's publication batches them, and sends
 * them from this publisher's flush thread when the acknowledgement comes); {@code
 * tokenstream_ingest_token_records_total} and {@code tokenstream_ingest_tokens_total} count records and the
 * provider tokens (answer and reasoning) in them, so their ratio is the batching.
 *
 * <p>A Kafka producer of its own, not a Reactive Messaging emitter: when the producer's buffer is full,
 * {@link #publish} blocks the stream's worker thread (up to {@code max.block.ms}), which stops reading the
 * provider's response, so backpressure reaches the provider's socket instead of overflowing a buffer in between
 * (an emitter fails the send). Its client metrics are in {@code /q/metrics} ({@code kafka_producer_*}).
 */
@ApplicationScoped
public class TokenPublisher {

    private final Producer<String, TokenEvent> producer;
    private final KafkaClientMetrics metrics;
    private final StreamTopics streamTopics;
    private final ExecutorService flushes = Executors.newSingleThreadExecutor(runnable -> {
        var thread = new Thread(runnable, "tokenstream-ingest-flush");
        thread.setDaemon(true);
        return thread;
    });
    private final Counter tokenRecords;
    private final Counter tokens;

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
        this.producer = new KafkaProducer<>(config, new StringSerializer(), new EventSerdes.TokenEvents());
        this.metrics = new KafkaClientMetrics(producer);
        this.metrics.bindTo(registry);
        this.streamTopics = streamTopics;
        this.tokenRecords = Counter.builder("tokenstream.ingest.token.records")
                .description("Records of answer or reasoning tokens written to the tokens topic").register(registry);
        this.tokens = Counter.builder("tokenstream.ingest.tokens")
                .description("Answer and reasoning tokens written, one or more a record").register(registry);
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
     * Hands the event to the producer; blocks while the producer's buffer is full.
     *
     * @param event the event to publish
     * @return completes when the broker acknowledged the write, or exceptionally when it failed
     */
    public CompletionStage<Void> publish(TokenEvent event) {
        var acked = new CompletableFuture<Void>();
        if (TokenEvent.batchable(event.kind())) {
            tokenRecords.increment();
            tokens.increment(event.tokenCount());
        }
        String topic = streamTopics.topicOf(event.streamId(), event.seq() == 0).orElse(Topics.TOKENS);
        try {
            producer.send(new ProducerRecord<>(topic, Merge.partitionKey(event.streamId()), event),
                    (metadata, failure) -> {
                        if (failure == null) {
                            acked.complete(null);
                        } else {
                            acked.completeExceptionally(failure);
                        }
                    });
        } catch (KafkaException e) {
            acked.completeExceptionally(e);
        }
        return acked;
    }

    @PreDestroy
    void close() {
        flushes.shutdown();
        producer.close(Duration.ofSeconds(10));
        metrics.close();
    }
}
