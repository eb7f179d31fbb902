package dev.tokenstream.ingest.provider;

import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.TokenEventKind;
import dev.tokenstream.ingest.messaging.TokenPublisher;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongFunction;

/** What one stream has published: its next seq, its token count and the acknowledgement of its last event. */
final class StreamPublication {

    private static final long ACK_TIMEOUT_SECONDS = 30;

    final String streamId;
    private final TokenPublisher publisher;
    private long seq;
    private long tokens;
    private CompletionStage<Void> last;

    StreamPublication(String streamId, TokenPublisher publisher) {
        this.streamId = streamId;
        this.publisher = publisher;
    }

    /** Publishes the event {@code event} makes for the next seq. */
    void publish(LongFunction<TokenEvent> event) {
        TokenEvent made = event.apply(seq++);
        if (made.kind() == TokenEventKind.TOKEN) {
            tokens++;
        }
        last = publisher.publish(made);
    }

    /** @return answer-text token events published */
    long tokens() {
        return tokens;
    }

    /**
     * Waits until Kafka acknowledged the last event.
     *
     * @throws IllegalStateException when it did not
     */
    void awaitLastAck() {
        if (last == null) {
            return;
        }
        try {
            last.toCompletableFuture().get(ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing stream " + streamId, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot publish the last event of stream " + streamId, e);
        }
    }
}
