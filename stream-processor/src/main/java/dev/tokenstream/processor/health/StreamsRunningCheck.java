package dev.tokenstream.processor.health;

import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only while Kafka Streams is RUNNING. Quarkus' own check counts REBALANCING as up, but a processor that
 * waits for its group (after an unclean restart, up to the session timeout) forwards nothing, so a caller that
 * waits for readiness (the local stack, a rollout) should wait for it.
 */
@Readiness
@ApplicationScoped
public class StreamsRunningCheck implements HealthCheck {

    private final KafkaStreams streams;

    public StreamsRunningCheck(KafkaStreams streams) {
        this.streams = streams;
    }

    @Override
    public HealthCheckResponse call() {
        KafkaStreams.State state = streams.state();
        return HealthCheckResponse.named("Kafka Streams processing")
                .status(state == KafkaStreams.State.RUNNING)
                .withData("state", state.name())
                .build();
    }
}
