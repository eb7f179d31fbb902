package dev.tokenstream.testsupport;

import dev.tokenstream.auth.StreamTokens;
import dev.tokenstream.events.ApiKey;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.EventSerdes;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;

/**
 * The API keys and the stream-token secret of a test JVM: two tenants' keys, a service key and a revoked key, made
 * once per JVM and written to {@link Topics#API_KEYS} of the test broker by {@link KafkaTestResource}, so every
 * test calls the services authenticated, as production callers do.
 */
public final class TestKeys {

    /** A key of tenant {@code tenant-a}. */
    public static final ApiKey.Issued TENANT_A = ApiKey.issue("tenant-a");
    /** A key of tenant {@code tenant-b}. */
    public static final ApiKey.Issued TENANT_B = ApiKey.issue("tenant-b");
    /** A service's key (role service): the services' own calls to the processor. */
    public static final ApiKey.Issued SERVICE = ApiKey.issue(null);
    /** A key of {@code tenant-a}, revoked. */
    public static final ApiKey.Issued REVOKED = ApiKey.issue("tenant-a");
    /** The HS256 key control signs stream tokens with and delivery checks them with, in tests. */
    public static final String STREAM_TOKEN_SECRET = "tokenstream-test-stream-token-secret-32bytes+";

    private static boolean published;

    private TestKeys() {
    }

    /** @return {@code Bearer <key>}, the header value that authenticates with {@code key} */
    public static String bearer(ApiKey.Issued key) {
        return "Bearer " + key.text();
    }

    /**
     * @param streamId a stream (or merge group) of {@code tenant-a}
     * @return a stream token for it, to read and control it, as control-service puts in the stream's links
     */
    public static String streamToken(String streamId) {
        return new StreamTokens(Optional.of(STREAM_TOKEN_SECRET), Duration.ofMinutes(15))
                .issue(streamId, TENANT_A.record().tenant(), true);
    }

    /** @return the configuration that gives a service under test its own key and the stream-token secret */
    public static Map<String, String> config() {
        return Map.of("tokenstream.auth.service-key", SERVICE.text(),
                "tokenstream.auth.stream-token-secret", STREAM_TOKEN_SECRET);
    }

    /**
     * Writes the keys to the broker's {@link Topics#API_KEYS} topic, once per JVM, and waits for the acks.
     *
     * @param bootstrapServers the test broker
     */
    public static synchronized void publish(String bootstrapServers) {
        if (published) {
            return;
        }
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers, ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(),
                new EventSerdes.ApiKeys())) {
            for (ApiKey key : List.of(TENANT_A.record(), TENANT_B.record(), SERVICE.record(),
                    REVOKED.record().revoke())) {
                producer.send(new ProducerRecord<>(Topics.API_KEYS, key.keyId(), key)).get();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot write the test API keys", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        published = true;
    }
}
