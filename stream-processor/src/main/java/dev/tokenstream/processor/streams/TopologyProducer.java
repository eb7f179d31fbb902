package dev.tokenstream.processor.streams;

import dev.tokenstream.processor.config.ProcessorConfig;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.apache.kafka.streams.Topology;

/** Hands the configuration to {@link StreamTopology#build(ProcessorConfig, StreamMetrics)}; Quarkus runs the topology. */
@ApplicationScoped
public class TopologyProducer {

    @Produces
    Topology topology(ProcessorConfig config, MeterRegistry registry) {
        return StreamTopology.build(config, new StreamMetrics(registry));
    }
}
