package dev.tokenstream.ingest.messaging;

import dev.tokenstream.events.StreamRequest;
import dev.tokenstream.ingest.provider.StreamWorker;
import io.quarkus.logging.Log;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Acknowledgment;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Consumes {@code tokenstream.requests} (channel {@code requests}, one consumer group for all instances) and
 * runs each stream on the {@code ingest-workers} pool; the request is acknowledged (its offset committed) once its
 * terminal event is. Undecodable requests, and requests whose worker failed, are nacked: they go to
 * {@code tokenstream.dlq}. A request taken while the instance drains ({@link IngestDrain}) is neither: its offset
 * stays uncommitted, so another instance takes it.
 */
@ApplicationScoped
public class RequestConsumer {

    private final StreamWorker worker;
    private final IngestDrain drain;

    public RequestConsumer(StreamWorker worker, IngestDrain drain) {
        this.worker = worker;
        this.drain = drain;
    }

    @Incoming("requests")
    @Blocking(value = "ingest-workers", ordered = false)
    @Acknowledgment(Acknowledgment.Strategy.MANUAL)
    public CompletionStage<Void> onRequest(Message<StreamRequest> message) {
        StreamRequest request = message.getPayload();
        if (request == null || request.streamId() == null || request.streamId().isBlank()) {
            // Refused: the failure strategy writes the record, bytes unchanged, to the dead-letter topic.
            return message.nack(new IllegalArgumentException("undecodable stream request, or one without a streamId"));
        }
        if (!drain.start()) {
            Log.infof("stream %s not started: this instance is draining; another takes it", request.streamId());
            return CompletableFuture.completedFuture(null);
        }
        CompletionStage<Void> settled;
        try {
            worker.run(request);
            settled = message.ack();
        } catch (RuntimeException e) {
            settled = message.nack(e);
        }
        return settled.whenComplete((ok, failure) -> drain.done());
    }
}
