package dev.tokenstream.ingest.listener;

import dev.tokenstream.ingest.messaging.RequestRedelivery;
import dev.tokenstream.events.StreamRequest;
import dev.tokenstream.ingest.provider.StreamWorker;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Consumes {@code tokenstream.requests} (channel {@code requests}, one consumer group for all instances) and
 * runs each stream on the {@code ingest-workers} pool, many at once; the request's offset is committed once its
 * terminal event is acknowledged. Undecodable requests, and requests whose worker failed, go to
 * {@code tokenstream.dlq}. A request that may have run before ({@link RequestRedelivery}) is checked with the
 * processor before its provider is called. A request taken while the instance drains ({@link IngestDrain}) is handed back to the
 * topic for another instance, not started.
 */
@ApplicationScoped
public class RequestConsumer {

    private final StreamWorker worker;
    private final IngestDrain drain;
    private final RequestRedelivery redelivery;

    public RequestConsumer(StreamWorker worker, IngestDrain drain,
                           @Identifier(RequestRedelivery.NAME) RequestRedelivery redelivery) {
        this.worker = worker;
        this.drain = drain;
        this.redelivery = redelivery;
    }

    @Incoming("requests")
    @Blocking(value = "ingest-workers", ordered = false)
    public void onRequest(StreamRequest request, IncomingKafkaRecordMetadata<String, StreamRequest> record) {
        if (request == null || request.streamId() == null || request.streamId().isBlank()) {
            // Refused: the failure strategy writes the record, bytes unchanged, to the dead-letter topic.
            throw new IllegalArgumentException("undecodable stream request, or one without a streamId");
        }
        if (!drain.start()) {
            drain.handBack(request);
            return;
        }
        try {
            boolean takenBefore = redelivery.takenBefore(record.getTopic(), record.getPartition(), record.getOffset());
            worker.run(request, takenBefore ? () -> redelivery.earlier(request.streamId())
                    : () -> RequestRedelivery.Earlier.NOTHING_DELIVERED);
        } finally {
            drain.done();
        }
    }
}
