package dev.tokenstream.events;

import org.apache.kafka.clients.CommonClientConfigs;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * How to reach the cluster, taken from a whole client configuration: {@code bootstrap.servers} and the security
 * settings ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}). For the clients a service makes itself
 * (the processor's dead-letter producer, readers of recorded streams), so they connect the way the service's
 * own clients do, SASL/SCRAM on Kubernetes included. The one place a connection's settings are gathered: from a
 * client configuration ({@link #of}), from a service's configuration properties ({@link #fromProperties}), or for
 * a plain local cluster ({@link #plain}).
 */
public final class KafkaConnection {

    /** The settings {@link #fromProperties} looks up, each under the caller's prefix. */
    public static final List<String> PROPERTIES = List.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
            CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "sasl.mechanism", "sasl.jaas.config", "ssl.truststore.type",
            "ssl.truststore.location", "ssl.truststore.password");

    private KafkaConnection() {
    }

    /**
     * @param prefix   the prefix of the service's Kafka settings: {@code kafka.} for SmallRye Reactive Messaging's
     *                 defaults, {@code quarkus.kafka-streams.} for the processor's
     * @param property looks a configuration property up by its whole name
     * @return the connection settings found among {@link #PROPERTIES}, ready to add a client's own settings to
     */
    public static Map<String, Object> fromProperties(String prefix, Function<String, Optional<String>> property) {
        Map<String, Object> settings = new HashMap<>();
        PROPERTIES.forEach(key -> property.apply(prefix + key).ifPresent(value -> settings.put(key, value)));
        return settings;
    }

    /** @return the connection settings of {@code config}, ready to add a client's own settings to */
    public static Map<String, Object> of(Map<String, ?> config) {
        Map<String, Object> connection = new HashMap<>();
        config.forEach((key, value) -> {
            if (value != null && (key.equals(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)
                    || key.equals(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG)
                    || key.startsWith("sasl.") || key.startsWith("ssl."))) {
                connection.put(key, value);
            }
        });
        return connection;
    }

    /** @return the connection settings of a plain (unauthenticated) cluster at {@code bootstrapServers} */
    public static Map<String, Object> plain(String bootstrapServers) {
        return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    }
}
