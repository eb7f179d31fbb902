package dev.tokenstream.auth;

import dev.tokenstream.events.ApiKey;
import dev.tokenstream.events.KafkaConnection;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.Json;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Every API key, read whole from the compacted {@link Topics#API_KEYS} topic by a consumer of no group (each
 * instance reads every record, from the beginning) and followed from then on, so a key created or revoked with
 * {@code tokenstream keys} takes effect in every instance within a poll (about a second). Start-up waits until the
 * topic is read to its end ({@code tokenstream.auth.keys-load-timeout}, 60 s by default), so no caller is refused
 * for a key the service has not read yet. The connection settings are the service's {@code kafka.*} ones.
 */
@ApplicationScoped
public class ApiKeyStore {

    private static final List<String> CONNECTION_KEYS = List.of("bootstrap.servers", "security.protocol",
            "sasl.mechanism", "sasl.jaas.config", "ssl.truststore.type", "ssl.truststore.location",
            "ssl.truststore.password");
    private static final Duration POLL = Duration.ofMillis(500);

    private final Map<String, ApiKey> keys = new ConcurrentHashMap<>();
    private final CountDownLatch loaded = new CountDownLatch(1);
    private final Config config;
    private final Duration loadTimeout;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile boolean stopping;

    public ApiKeyStore(Config config,
                       @ConfigProperty(name = "tokenstream.auth.keys-load-timeout") Duration loadTimeout) {
        this.config = config;
        this.loadTimeout = loadTimeout;
    }

    /**
     * @param keyId a key's public id
     * @return the key, revoked ones included; empty for an unknown id
     */
    public Optional<ApiKey> find(String keyId) {
        return Optional.ofNullable(keys.get(keyId));
    }

    void start(@Observes StartupEvent event) throws InterruptedException {
        Map<String, Object> settings = new HashMap<>();
        for (String key : CONNECTION_KEYS) {
            config.getOptionalValue("kafka." + key, String.class).ifPresent(value -> settings.put(key, value));
        }
        Map<String, Object> consumerConfig = new HashMap<>(KafkaConnection.of(settings));
        consumerConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, "tokenstream-api-keys");
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
        Thread reader = new Thread(this::run, "api-keys-reader");
        reader.setDaemon(true);
        reader.start();
        if (!loaded.await(loadTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
            stopping = true;
            consumer.wakeup();
            throw new IllegalStateException("could not read the API keys from topic " + Topics.API_KEYS + " at "
                    + settings.get("bootstrap.servers") + " within " + loadTimeout + "; is Kafka up and the topic "
                    + "created (the local stack and k8s/base/topics.yaml create it)?");
        }
        Log.infof("API keys: %d read from %s", keys.size(), Topics.API_KEYS);
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        KafkaConsumer<String, byte[]> open = consumer;
        if (open != null) {
            open.wakeup();
        }
    }

    private void run() {
        try (KafkaConsumer<String, byte[]> reading = consumer) {
            List<TopicPartition> partitions = partitions(reading);
            reading.assign(partitions);
            reading.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = reading.endOffsets(partitions);
            while (!stopping) {
                for (ConsumerRecord<String, byte[]> record : reading.poll(POLL)) {
                    apply(record);
                }
                if (loaded.getCount() > 0 && end.entrySet().stream()
                        .allMatch(e -> reading.position(e.getKey()) >= e.getValue())) {
                    loaded.countDown();
                }
            }
        } catch (WakeupException e) {
            // stopping
        } catch (RuntimeException e) {
            Log.errorf(e, "API keys: reading %s stopped; keys created or revoked from now on are not seen until "
                    + "a restart", Topics.API_KEYS);
        }
    }

    private List<TopicPartition> partitions(KafkaConsumer<String, byte[]> reading) {
        while (!stopping) {
            List<PartitionInfo> infos = reading.partitionsFor(Topics.API_KEYS);
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WakeupException();
            }
        }
        throw new WakeupException();
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        if (record.key() == null) {
            return;
        }
        if (record.value() == null) {
            keys.remove(record.key());
            return;
        }
        try {
            ApiKey key = Json.MAPPER.readValue(record.value(), ApiKey.class);
            if (key.keyId() == null || !key.keyId().equals(record.key()) || key.secretSha256() == null) {
                throw new IllegalArgumentException("key id, record key and secret hash must be present and agree");
            }
            keys.put(key.keyId(), key);
        } catch (Exception e) {
            Log.warnf("API keys: record at %s-%d@%d skipped: %s", record.topic(), record.partition(), record.offset(),
                    e.getMessage());
        }
    }
}
