package dev.tokenstream.delivery.messaging;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.io.IOException;
import java.util.List;

/**
 * Reads this instance's partitions of {@code tokenstream.deliveries} (channel {@code deliveries}; the instances
 * share one consumer group, {@link PartitionOwners}), counted in {@code tokenstream_delivery_frames_consumed_total},
 * starting {@code delivery.replay-window} back in time
 * ({@link ReplayWindowRebalanceListener}). Frames keep their JSON text: clients receive the bytes the processor
 * wrote. A record holds one frame, or the frames of several streams of the partition (a JSON array, written by the
 * processor for a record of several streams' token events), appended in order. A frame that cannot be read is
 * logged and skipped.
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
        try {
            List<Frame.Parsed> frames = Frame.parseAll(json);
            if (frames.isEmpty()) {
                Log.warnf("skipping a delivery record without a frame with streamId, type and seq");
            }
            for (Frame.Parsed parsed : frames) {
                consumed.increment();
                logs.append(parsed.streamId(), parsed.frame());
            }
        } catch (IOException | IllegalArgumentException e) {
            Log.warnf("skipping an undecodable delivery frame: %s", e.getMessage());
        }
    }
}
