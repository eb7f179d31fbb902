package dev.tokenstream.delivery.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.serde.Json;
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
            JsonNode node = Json.MAPPER.readTree(json);
            String streamId = node.path("streamId").asText(null);
            String type = node.path("type").asText(null);
            if (streamId == null || type == null || !node.path("seq").canConvertToLong()) {
                Log.warnf("skipping a delivery frame without streamId, type or seq");
                return;
            }
            boolean terminal = FrameType.fromWire(type).isTerminal();
            logs.append(streamId, new Frame(node.path("seq").asLong(), type, json, terminal,
                    node.hasNonNull("text") ? node.get("text").asText() : null));
        } catch (IOException | IllegalArgumentException e) {
            Log.warnf("skipping an undecodable delivery frame: %s", e.getMessage());
        }
    }
}
