package dev.tokenstream.processor.streams;

import dev.tokenstream.processor.config.ProcessorConfig;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.apache.kafka.streams.Topology;

/** Hands the configuration to {@link StreamTopology#build(ProcessorConfig, StreamMetrics)}; Quarkus runs the topology. */
@ApplicationScoped
public class TopologyProducer {

    /** One topology, and so one {@link StreamMetrics}, however often Quarkus asks for it. */
    @Produces
    @Singleton
    Topology topology(ProcessorConfig config, MeterRegistry registry) {
        return StreamTopology.build(config, new StreamMetrics(registry));
    }
}
