package dev.tokenstream.delivery.messaging;

import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.io.IOException;

/**
 * Reads {@code tokenstream.deliveries} (channel {@code deliveries}) in a consumer group of its own per instance,
 * so every instance sees every stream, starting {@code delivery.replay-window} back in time
 * ({@link ReplayWindowRebalanceListener}). Frames keep their JSON text: clients receive the bytes the processor
 * wrote. A frame that cannot be read is logged and skipped.
 */
@ApplicationScoped
public class DeliveriesConsumer {

    private final FrameLogs logs;

    public DeliveriesConsumer(FrameLogs logs) {
        this.logs = logs;
    }

    @Incoming("deliveries")
    public void onFrame(String json) {
        if (json == null) {
            return;
        }
        try {
            Frame.parse(json).ifPresentOrElse(parsed -> logs.append(parsed.streamId(), parsed.frame()),
                    () -> Log.warnf("skipping a delivery frame without streamId, type or seq"));
        } catch (IOException | IllegalArgumentException e) {
            Log.warnf("skipping an undecodable delivery frame: %s", e.getMessage());
        }
    }
}
