package dev.tokenstream.delivery.health;

import dev.tokenstream.delivery.messaging.PartitionOwners;
import dev.tokenstream.delivery.messaging.ReplayWindowRebalanceListener;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import java.time.Duration;
import java.util.Map;

/**
 * Ready once the deliveries partitions are assigned and read up to where they ended at the assignment: until
 * then, memory lacks recent streams, and live frames wait behind the replay window's backlog (seconds after a
 * restart with a busy hour behind it). Asks the consumer for its positions on its polling thread. Its data names
 * the partitions this instance owns ({@code partitions}).
 */
@Readiness
@ApplicationScoped
public class DeliveriesCaughtUpCheck implements AsyncHealthCheck {

    private static final String NAME = "deliveries caught up";

    private final ReplayWindowRebalanceListener replay;
    private final KafkaClientService kafka;
    private final PartitionOwners owners;

    public DeliveriesCaughtUpCheck(@Identifier("deliveries-replay-window") ReplayWindowRebalanceListener replay,
                                   KafkaClientService kafka, PartitionOwners owners) {
        this.replay = replay;
        this.kafka = kafka;
        this.owners = owners;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        Map<TopicPartition, Long> end = replay.endAtAssignment();
        var consumer = kafka.<String, String>getConsumer("deliveries");
        if (end == null || consumer == null) {
            return Uni.createFrom().item(HealthCheckResponse.named(NAME).down()
                    .withData("reason", "deliveries partitions not assigned yet").build());
        }
        return consumer.runOnPollingThread(c -> {
            long behind = 0;
            for (var partition : end.entrySet()) {
                behind += Math.max(0, partition.getValue() - c.position(partition.getKey()));
            }
            return behind;
        }).ifNoItem().after(Duration.ofSeconds(2)).fail()
                .map(behind -> HealthCheckResponse.named(NAME).status(behind == 0)
                        .withData("recordsBehind", behind).withData("partitions", owners.owned().toString())
                        .build())
                .onFailure().recoverWithItem(failure -> HealthCheckResponse.named(NAME).down()
                        .withData("reason", String.valueOf(failure.getMessage())).build());
    }
}
