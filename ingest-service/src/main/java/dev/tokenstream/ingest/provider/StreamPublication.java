package dev.tokenstream.ingest.provider;

import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.TokenEventKind;
import dev.tokenstream.ingest.messaging.TokenPublisher;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongFunction;

/**
 * What one stream has published: its next seq, its token count, whether its terminal event went out, the
 * acknowledgement of its last event and the first send Kafka refused. After a refused send the log of the stream has
 * a hole, so nothing but a terminal event is published any more: no later token may follow the hole.
 */
final class StreamPublication {

    private static final long ACK_TIMEOUT_SECONDS = 30;

    final String streamId;
    private final TokenPublisher publisher;
    private long seq;
    private long tokens;
    private boolean ended;
    private CompletionStage<Void> last;
    private final AtomicReference<Throwable> refused = new AtomicReference<>();

    private final long attempt;

    /**
     * @param attempt this run of the stream's request (its epoch), stamped on every event: epoch microseconds when
     *                ingest took the request, so a run after a crash has a greater one
     */
    StreamPublication(String streamId, TokenPublisher publisher, long attempt) {
        this.streamId = streamId;
        this.publisher = publisher;
        this.attempt = attempt;
    }

    /**
     * Publishes the event {@code event} makes for the next seq; after a refused send, only a terminal event.
     *
     * @param event the event for a seq
     */
    void publish(LongFunction<TokenEvent> event) {
        TokenEvent made = event.apply(seq).withAttempt(attempt);
        if (refused.get() != null && !made.kind().isTerminal()) {
            return;
        }
        seq++;
        if (made.kind() == TokenEventKind.TOKEN) {
            tokens++;
        }
        ended |= made.kind().isTerminal();
        last = publisher.publish(made).whenComplete((ok, failure) -> {
            if (failure != null) {
                refused.compareAndSet(null, failure);
            }
        });
    }

    /**
     * The first send Kafka refused.
     *
     * @return its failure, or null while every send succeeded or is in flight
     */
    Throwable refused() {
        return refused.get();
    }

    /**
     * Whether the stream's terminal event was published.
     *
     * @return true once completed, failed or cancelled went out
     */
    boolean ended() {
        return ended;
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
