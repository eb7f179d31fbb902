package dev.tokenstream.ingest.messaging;

import dev.tokenstream.events.Merge;
import dev.tokenstream.events.TokenEvent;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Publishes {@link TokenEvent}s to the {@code tokens} channel ({@code tokenstream.tokens}), keyed by stream id (a
 * merge group member's by its group's id, {@link Merge#partitionKey}, so a group meets in one partition), or to the
 * stream's own topic in the per-stream layout ({@link StreamTopics}). Events sent from one thread reach the
 * partition in the order sent (idempotent producer).
 */
@ApplicationScoped
public class TokenPublisher {

    private final Emitter<TokenEvent> emitter;
    private final StreamTopics streamTopics;

    public TokenPublisher(@Channel("tokens") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 16384)
                          Emitter<TokenEvent> emitter, StreamTopics streamTopics) {
        this.emitter = emitter;
        this.streamTopics = streamTopics;
    }

    /**
     * @param event the event to publish
     * @return completes when the broker acknowledged the write, or exceptionally when it failed
     */
    public CompletionStage<Void> publish(TokenEvent event) {
        var acked = new CompletableFuture<Void>();
        var metadata = OutgoingKafkaRecordMetadata.<String>builder().withKey(Merge.partitionKey(event.streamId()));
        streamTopics.topicOf(event.streamId(), event.seq() == 0).ifPresent(metadata::withTopic);
        emitter.send(Message.of(event)
                .addMetadata(metadata.build())
                .withAck(() -> {
                    acked.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(failure -> {
                    acked.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                }));
        return acked;
    }
}
