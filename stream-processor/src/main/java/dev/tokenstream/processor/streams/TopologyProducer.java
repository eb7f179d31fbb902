package dev.tokenstream.processor.streams;

import dev.tokenstream.events.KafkaConnection;
import dev.tokenstream.processor.config.ProcessorConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.Topology;
import org.eclipse.microprofile.config.Config;

import java.util.List;
import java.util.Map;
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

    private final Config config;

    public TopologyProducer(Config config) {
        this.config = config;
    }

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
        // Quarkus names two of the settings with a dash: bootstrap-servers, sasl.jaas-config.
        Map<String, Object> admin = KafkaConnection.fromProperties("quarkus.kafka-streams.", key -> config
                .getOptionalValue(key.replace("bootstrap.servers", "bootstrap-servers")
                        .replace("jaas.config", "jaas-config"), String.class));
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
