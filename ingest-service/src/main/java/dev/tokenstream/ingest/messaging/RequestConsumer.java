package dev.tokenstream.ingest.messaging;

import dev.tokenstream.events.StreamRequest;
import dev.tokenstream.ingest.provider.StreamWorker;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Consumes {@code tokenstream.requests} (channel {@code requests}, one consumer group for all instances) and
 * runs each stream on the {@code ingest-workers} pool, many at once; the request's offset is committed once its
 * terminal event is acknowledged. Undecodable requests, and requests whose worker failed, go to
 * {@code tokenstream.dlq}. A request taken while the instance drains ({@link IngestDrain}) is handed back to the
 * topic for another instance, not started.
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
    public void onRequest(StreamRequest request) {
        if (request == null || request.streamId() == null || request.streamId().isBlank()) {
            // Refused: the failure strategy writes the record, bytes unchanged, to the dead-letter topic.
            throw new IllegalArgumentException("undecodable stream request, or one without a streamId");
        }
        if (!drain.start()) {
            drain.handBack(request);
            return;
        }
        try {
            worker.run(request);
        } finally {
            drain.done();
        }
    }
}
