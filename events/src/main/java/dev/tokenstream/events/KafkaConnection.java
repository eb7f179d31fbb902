package dev.tokenstream.events;

import org.apache.kafka.clients.CommonClientConfigs;

import java.util.HashMap;
import java.util.Map;

/**
 * How to reach the cluster, taken from a whole client configuration: {@code bootstrap.servers} and the security
 * settings ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}). For the clients a service makes itself
 * (the processor's dead-letter producer, readers of recorded streams), so they connect the way the service's
 * own clients do, SASL/SCRAM on Kubernetes included.
 */
public final class KafkaConnection {

    private KafkaConnection() {
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
