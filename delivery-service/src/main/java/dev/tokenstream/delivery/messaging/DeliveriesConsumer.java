package dev.tokenstream.delivery.messaging;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.io.IOException;

/**
 * Reads this instance's partitions of {@code tokenstream.deliveries} (channel {@code deliveries}; the instances
 * share one consumer group, {@link PartitionOwners}), counted in {@code tokenstream_delivery_frames_consumed_total},
 * starting {@code delivery.replay-window} back in time
 * ({@link ReplayWindowRebalanceListener}). Frames keep their JSON text: clients receive the bytes the processor
 * wrote. A frame that cannot be read is logged and skipped.
 */
@ApplicationScoped
public class DeliveriesConsumer {

    private final FrameLogs logs;
    private final Counter consumed;

    public DeliveriesConsumer(FrameLogs logs, MeterRegistry registry) {
        this.logs = logs;
        this.consumed = Counter.builder("tokenstream.delivery.frames.consumed")
                .description("Frames read from the deliveries topic (this instance's partitions)").register(registry);
    }

    @Incoming("deliveries")
    public void onFrame(String json) {
        if (json == null) {
            return;
        }
        consumed.increment();
        try {
            Frame.parse(json).ifPresentOrElse(parsed -> logs.append(parsed.streamId(), parsed.frame()),
                    () -> Log.warnf("skipping a delivery frame without streamId, type or seq"));
        } catch (IOException | IllegalArgumentException e) {
            Log.warnf("skipping an undecodable delivery frame: %s", e.getMessage());
        }
    }
}
