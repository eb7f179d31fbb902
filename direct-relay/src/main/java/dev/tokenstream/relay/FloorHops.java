package dev.tokenstream.relay;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.websockets.next.WebSocketConnection;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The benchmark's floor: the least two Kafka hops cost on this broker, the shape of Tokenstream's token path
 * (ingest -> processor -> delivery) with nothing of Tokenstream in it. A plain producer writes each token, as the
 * bytes the client will get, to {@value #HOP1} keyed by its connection; a plain consumer re-produces every record
 * to {@value #HOP2}; a plain consumer hands every record of {@value #HOP2} to its connection's WebSocket. No state,
 * no JSON decoding, no commits (the consumers are assigned every partition, from the end at start). Settings chosen
 * for latency: {@code linger.ms=0}, {@code acks=all} with idempotence (as Tokenstream writes), consumers answered as
 * soon as one byte is there ({@code fetch.min.bytes=1}). Off when {@code relay.kafka-bootstrap-servers} is empty.
 */
@ApplicationScoped
public class FloorHops {

    static final String HOP1 = "bench.floor.hop1";
    static final String HOP2 = "bench.floor.hop2";
    private static final Duration POLL = Duration.ofMillis(100);

    private final Optional<String> bootstrapServers;
    private final int partitions;
    private final Map<String, WebSocketConnection> connections = new ConcurrentHashMap<>();
    private volatile KafkaProducer<String, byte[]> producer;
    private volatile KafkaConsumer<String, byte[]> hop;
    private volatile KafkaConsumer<String, byte[]> deliver;
    private volatile boolean running;

    public FloorHops(@ConfigProperty(name = "relay.kafka-bootstrap-servers") Optional<String> bootstrapServers,
                     @ConfigProperty(name = "relay.floor-partitions") int partitions) {
        this.bootstrapServers = bootstrapServers.filter(servers -> !servers.isBlank());
        this.partitions = partitions;
    }

    void start(@Observes StartupEvent event) throws InterruptedException {
        if (bootstrapServers.isEmpty()) {
            return;
        }
        String servers = bootstrapServers.get();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", servers))) {
            for (String topic : List.of(HOP1, HOP2)) {
                try {
                    admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all()
                            .get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create " + topic, e);
                    }
                } catch (TimeoutException e) {
                    throw new IllegalStateException("cannot create " + topic + " within 30 s", e);
                }
            }
        }
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", servers, ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
        hop = consumer(servers, HOP1);
        deliver = consumer(servers, HOP2);
        running = true;
        daemon("floor-hop", () -> loop(hop, record -> producer.send(new ProducerRecord<>(HOP2, record.key(),
                record.value()))));
        daemon("floor-deliver", () -> loop(deliver, this::deliver));
        Log.infof("floor path on %s: %s -> %s, %d partitions", servers, HOP1, HOP2, partitions);
    }

    /** @return whether the floor path runs (a broker is configured) */
    boolean enabled() {
        return producer != null;
    }

    /**
     * Sends one message of a connection's stream through both hops to it.
     *
     * @param connectionId the connection, as registered with {@link #register}
     * @param message      the text the client gets
     */
    void send(String connectionId, String message) {
        producer.send(new ProducerRecord<>(HOP1, connectionId, message.getBytes(StandardCharsets.UTF_8)));
    }

    void register(WebSocketConnection connection) {
        connections.put(connection.id(), connection);
    }

    private void deliver(ConsumerRecord<String, byte[]> record) {
        WebSocketConnection connection = connections.get(record.key());
        if (connection == null) {
            return;
        }
        String text = new String(record.value(), StandardCharsets.UTF_8);
        if (text.startsWith("{\"type\":\"token\"")) {
            connection.sendText(text).subscribe().with(ok -> { }, e -> connections.remove(record.key()));
        } else {
            // The end: close once it is written.
            connections.remove(record.key());
            connection.sendText(text).chain(() -> connection.close()).subscribe().with(ok -> { }, e -> { });
        }
    }

    private KafkaConsumer<String, byte[]> consumer(String servers, String topic) {
        var consumer = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers", servers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1),
                new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> all = consumer.partitionsFor(topic).stream()
                .map(info -> new TopicPartition(topic, info.partition())).toList();
        consumer.assign(all);
        consumer.seekToEnd(all);
        all.forEach(consumer::position);
        return consumer;
    }

    private static void daemon(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }

    private void loop(KafkaConsumer<String, byte[]> consumer,
                      Consumer<ConsumerRecord<String, byte[]>> each) {
        try {
            while (running) {
                consumer.poll(POLL).forEach(each);
            }
        } catch (WakeupException stopping) {
            // shutting down
        } finally {
            consumer.close();
        }
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        if (hop != null) {
            hop.wakeup();
            deliver.wakeup();
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
