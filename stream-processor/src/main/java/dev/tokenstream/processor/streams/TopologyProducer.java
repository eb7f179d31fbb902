package dev.tokenstream.processor.streams;

import dev.tokenstream.processor.config.ProcessorConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.apache.kafka.streams.Topology;

/** Hands the configuration to {@link StreamTopology#build(ProcessorConfig)}; Quarkus runs the topology. */
@ApplicationScoped
public class TopologyProducer {

    @Produces
    Topology topology(ProcessorConfig config) {
        return StreamTopology.build(config);
    }
}
