package dev.tokenstream.ingest.provider;

import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.TokenEventKind;
import dev.tokenstream.ingest.messaging.TokenPublisher;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongFunction;

/**
 * What one stream has published: its next seq, its token count, whether its terminal event went out, the
 * acknowledgement of its last record and the first send Kafka refused. After a refused send the log of the stream
 * has a hole, so nothing but a terminal event is published any more: no later token may follow the hole.
 * <p>
 * <b>Smart batching.</b> An event goes to the producer at once when none of the stream's records is in flight
 * (sent, not yet acknowledged): an idle pipeline adds no delay. Events made while one is in flight queue, and go
 * out when the broker acknowledged it: a run of token (or reasoning) events as one record ({@link
 * TokenEvent#batch}), other events one record each. So a stream writes fewer records exactly when the broker, or
 * this process, falls behind its provider, and every hop after ingest (the processor's state, the deliveries topic,
 * delivery, the client) handles a record and a frame per batch, not per token. Each token's text and time stay in
 * the record, so statistics stay exact; the seq counts records. A batch holds at most {@value #MAX_BATCH_TOKENS}
 * tokens (and {@value #MAX_BATCH_CHARS} characters); with that many queued the worker hands it to the producer
 * itself, which blocks while the producer's buffer is full, so backpressure still reaches the provider's socket.
 * <p>
 * Thread-safe: the stream's worker publishes, the producer's acknowledgements hand flushes to the publisher's
 * flush thread; sends of one stream happen under its lock, so records reach the partition in seq order. An
 * acknowledgement never takes the lock (the producer's I/O thread must not wait for a sender it would unblock).
 */
final class StreamPublication {

    private static final long ACK_TIMEOUT_SECONDS = 30;
    /** Tokens a record carries at most: about 2 KiB of text at 4 characters a token. */
    static final int MAX_BATCH_TOKENS = 512;
    /** Characters a record's batch carries at most, far below the producer's 1 MiB request size; a longer token goes
     *  alone. */
    static final int MAX_BATCH_CHARS = 65_536;

    final String streamId;
    private final TokenPublisher publisher;
    private final long attempt;
    private final Object lock = new Object();
    /** Events made while a record was in flight, not yet sent; guarded by {@link #lock}. */
    private final ArrayDeque<TokenEvent> queued = new ArrayDeque<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicReference<Throwable> refused = new AtomicReference<>();
    /** Guarded by {@link #lock}. */
    private long seq;
    /** Whether events wait in {@link #queued}: written under the lock before {@link #inFlight} is read there. */
    private volatile boolean hasQueued;
    /** Guarded by {@link #lock}. */
    private CompletableFuture<Void> last;
    private volatile long tokens;
    private volatile boolean ended;

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
     * Makes the first event's seq {@code nextSeq} instead of 0: a continuation's, which goes on after the events of
     * the attempt it continues.
     *
     * @throws IllegalStateException when an event was published already
     */
    void continueAt(long nextSeq) {
        synchronized (lock) {
            if (seq != 0 || !queued.isEmpty() || last != null) {
                throw new IllegalStateException("stream " + streamId + ": events were published already");
            }
            seq = nextSeq;
        }
    }

    /**
     * Publishes an event; after a refused send, only a terminal event.
     *
     * @param event makes the event for a seq; the seq it is given is provisional: the record the event travels in
     *              sets it when it is sent
     */
    void publish(LongFunction<TokenEvent> event) {
        TokenEvent made;
        synchronized (lock) {
            made = event.apply(seq).withAttempt(attempt);
            if (refused.get() != null && !made.kind().isTerminal()) {
                return;
            }
            if (made.kind() == TokenEventKind.TOKEN) {
                tokens++;
            }
            ended |= made.kind().isTerminal();
            queued.add(made);
            hasQueued = true;
            // An acknowledgement decrements inFlight, then reads hasQueued: one of the two sees the other's write.
            if (inFlight.get() == 0 || queued.size() >= MAX_BATCH_TOKENS) {
                sendQueued();
            }
        }
    }

    /** Sends what queued once nothing is in flight; runs on the publisher's flush thread after an acknowledgement. */
    private void flush() {
        synchronized (lock) {
            if (inFlight.get() == 0) {
                sendQueued();
            }
        }
    }

    /**
     * Sends the queued events: each run of one batchable kind as one record (at most {@value #MAX_BATCH_TOKENS}
     * tokens and {@value #MAX_BATCH_CHARS} characters), others one each; after a refusal, only a terminal event.
     * Holds the lock.
     */
    private void sendQueued() {
        hasQueued = false;
        List<TokenEvent> run = new ArrayList<>();
        int runChars = 0;
        while (!queued.isEmpty()) {
            TokenEvent next = queued.poll();
            int chars = next.text() == null ? 0 : next.text().length();
            if (!run.isEmpty() && (run.get(0).kind() != next.kind() || run.size() >= MAX_BATCH_TOKENS
                    || runChars + chars > MAX_BATCH_CHARS)) {
                send(TokenEvent.batch(run));
                run.clear();
                runChars = 0;
            }
            if (refused.get() != null && !next.kind().isTerminal()) {
                continue;
            }
            if (TokenEvent.batchable(next.kind())) {
                run.add(next);
                runChars += chars;
            } else {
                send(next);
            }
        }
        if (!run.isEmpty()) {
            send(TokenEvent.batch(run));
        }
    }

    /**
     * Hands one record to the producer with the next seq. Holds the lock. A publisher that throws instead of failing
     * its answer counts as a refused send, so nothing stays in flight and the stream ends instead of waiting out
     * the acknowledgement's timeout.
     */
    private void send(TokenEvent event) {
        inFlight.incrementAndGet();
        var acked = new CompletableFuture<Void>();
        last = acked;
        CompletionStage<Void> sent;
        try {
            sent = publisher.publish(event.withSeq(seq++));
        } catch (RuntimeException | Error e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((ok, failure) -> {
            if (failure != null) {
                refused.compareAndSet(null, failure);
            }
            if (inFlight.decrementAndGet() == 0 && hasQueued) {
                publisher.flushes().execute(this::flush);
            }
            if (failure == null) {
                acked.complete(null);
            } else {
                acked.completeExceptionally(failure);
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

    /** @return answer-text tokens published */
    long tokens() {
        return tokens;
    }

    /**
     * Sends what is queued and waits until Kafka acknowledged the last record.
     *
     * @throws IllegalStateException when it did not
     */
    void awaitLastAck() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ACK_TIMEOUT_SECONDS);
        while (true) {
            CompletableFuture<Void> awaited;
            synchronized (lock) {
                if (inFlight.get() == 0) {
                    sendQueued();
                }
                if (last == null || (queued.isEmpty() && inFlight.get() == 0 && last.isDone() && !last
                        .isCompletedExceptionally())) {
                    return;
                }
                awaited = last;
            }
            try {
                awaited.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while publishing stream " + streamId, e);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("cannot publish the last event of stream " + streamId, e);
            }
        }
    }
}
