package dev.tokenstream.processor.streams;

import dev.tokenstream.processor.config.ProcessorConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.streams.Topology;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Hands the configuration to {@link StreamTopology#build(ProcessorConfig, int, StreamMetrics)}; Quarkus runs the
 * topology. In the per-stream layout it first asks the broker how many partitions the control topic has, the
 * number stream events are re-keyed into.
 */
@ApplicationScoped
public class TopologyProducer {

    @ConfigProperty(name = "quarkus.kafka-streams.bootstrap-servers")
    String bootstrapServers;
    @ConfigProperty(name = "quarkus.kafka-streams.security.protocol")
    Optional<String> securityProtocol;
    @ConfigProperty(name = "quarkus.kafka-streams.sasl.mechanism")
    Optional<String> saslMechanism;
    @ConfigProperty(name = "quarkus.kafka-streams.sasl.jaas-config")
    Optional<String> saslJaasConfig;

    /** One topology, and so one {@link StreamMetrics}, however often Quarkus asks for it. */
    @Produces
    @Singleton
    Topology topology(ProcessorConfig config, MeterRegistry registry) {
        int perStreamPartitions = switch (config.topicLayout()) {
            case "shared" -> 0;
            case "per-stream" -> partitionsOf(config.controlTopic());
            default -> throw new IllegalArgumentException("processor.topic-layout must be shared or per-stream, not '"
                    + config.topicLayout() + "'");
        };
        if (perStreamPartitions > 0) {
            Log.infof("per-stream topic layout: %s.* by pattern, re-keyed into %d partitions", config.tokensTopic(),
                    perStreamPartitions);
        }
        return StreamTopology.build(config, perStreamPartitions, new StreamMetrics(registry));
    }

    private int partitionsOf(String topic) {
        Map<String, Object> admin = new HashMap<>(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
        securityProtocol.ifPresent(p -> admin.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, p));
        saslMechanism.ifPresent(m -> admin.put(SaslConfigs.SASL_MECHANISM, m));
        saslJaasConfig.ifPresent(j -> admin.put(SaslConfigs.SASL_JAAS_CONFIG, j));
        try (Admin client = Admin.create(admin)) {
            return client.describeTopics(List.of(topic)).allTopicNames().get(60, TimeUnit.SECONDS).get(topic)
                    .partitions().size();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the partitions of " + topic + " for the per-stream layout", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the partitions of " + topic, e);
        }
    }
}
