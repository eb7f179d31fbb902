package dev.tokenstream.auth;

import dev.tokenstream.events.ApiKey;
import dev.tokenstream.events.CompactedTopicReader;
import dev.tokenstream.events.KafkaConnection;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.Json;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every API key, read whole from the compacted {@link Topics#API_KEYS} topic ({@link CompactedTopicReader}: each
 * instance reads every record, from the beginning) and followed from then on, so a key created or revoked with
 * {@code tokenstream keys} takes effect in every instance within a poll (about a second). Start-up waits until the
 * topic is read to its end ({@code tokenstream.auth.keys-load-timeout}, 60 s by default), so no caller is refused
 * for a key the service has not read yet. The connection settings are the service's {@code kafka.*} ones.
 */
@ApplicationScoped
public class ApiKeyStore {

    private final Map<String, ApiKey> keys = new ConcurrentHashMap<>();
    private final Config config;
    private final Duration loadTimeout;
    private volatile CompactedTopicReader reader;

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
        Map<String, Object> settings = KafkaConnection.fromProperties("kafka.",
                key -> config.getOptionalValue(key, String.class));
        reader = new CompactedTopicReader(Topics.API_KEYS, settings, "tokenstream-api-keys", this::apply);
        if (!reader.start(loadTimeout)) {
            throw new IllegalStateException("could not read the API keys from topic " + Topics.API_KEYS + " at "
                    + settings.get("bootstrap.servers") + " within " + loadTimeout + "; is Kafka up and the topic "
                    + "created (the local stack and k8s/base/topics.yaml create it)?");
        }
        Log.infof("API keys: %d read from %s", keys.size(), Topics.API_KEYS);
    }

    void stop(@Observes ShutdownEvent event) {
        CompactedTopicReader open = reader;
        if (open != null) {
            open.close();
        }
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
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
