package dev.tokenstream.delivery.health;

import dev.tokenstream.delivery.messaging.FrameLogs;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once the deliveries partitions are assigned and read from the replay window on: before that, live frames
 * reach no client, and every stream would have to be read back from Kafka.
 */
@Readiness
@ApplicationScoped
public class DeliveriesAssignedCheck implements HealthCheck {

    private final FrameLogs logs;

    public DeliveriesAssignedCheck(FrameLogs logs) {
        this.logs = logs;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("deliveries assigned").status(logs.isAssigned()).build();
    }
}
