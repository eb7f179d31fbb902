package dev.tokenstream.ingest.listener;

import dev.tokenstream.events.Merge;
import dev.tokenstream.events.StreamRequest;
import dev.tokenstream.ingest.config.IngestConfig;
import dev.tokenstream.ingest.provider.ActiveStreams;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The graceful drain on SIGTERM (a rollout, a KEDA scale-in): from the shutdown on, this instance fetches no more
 * requests (its consumer is paused) and starts no stream (a request already fetched is handed back: written again to
 * {@code tokenstream.requests}, same key, for the instance that takes the partition next), lets the running streams
 * go on to their end for up to {@code ingest.drain-timeout}, then interrupts the rest (they end as failed with
 * {@code interrupted}). It runs before the Kafka clients close, so every stream's last event is written.
 */
@ApplicationScoped
public class IngestDrain {

    /** How long the requests consumer may take to pause. */
    private static final Duration PAUSE_TIMEOUT = Duration.ofSeconds(5);
    /** How long Kafka may take to acknowledge a request handed back. */
    private static final Duration HAND_BACK_TIMEOUT = Duration.ofSeconds(30);

    /** How long interrupted streams get to write their last event. */
    private static final Duration INTERRUPT_GRACE = Duration.ofSeconds(5);

    private final ActiveStreams activeStreams;
    private final IngestConfig config;
    private final KafkaClientService kafka;
    private final Emitter<StreamRequest> handBack;
    private volatile boolean draining;
    /** Requests being run, from their start to their acknowledgement. */
    private int running;

    public IngestDrain(ActiveStreams activeStreams, IngestConfig config, KafkaClientService kafka,
                       @Channel("requests-handback") Emitter<StreamRequest> handBack) {
        this.activeStreams = activeStreams;
        this.config = config;
        this.kafka = kafka;
        this.handBack = handBack;
    }

    void onShutdown(@Observes ShutdownEvent event) {
        drain(config.drainTimeout());
    }

    /**
     * Stops taking streams, waits up to {@code timeout} for the running ones, interrupts the rest and waits for
     * their last events.
     *
     * @param timeout how long the running streams may go on
     */
    public void drain(Duration timeout) {
        synchronized (this) {
            draining = true;
        }
        var consumer = kafka.getConsumer("requests");
        if (consumer != null) {
            consumer.pause().await().atMost(PAUSE_TIMEOUT);
        }
        Log.infof("draining: %d streams running, up to %d s to finish", runningNow(), timeout.toSeconds());
        if (awaitIdle(timeout)) {
            Log.infof("drained: every stream ended");
            return;
        }
        int interrupted = activeStreams.interruptAll();
        Log.warnf("drain time over: %d streams interrupted", interrupted);
        if (!awaitIdle(INTERRUPT_GRACE)) {
            Log.errorf("%d interrupted streams did not end within %d s", runningNow(), INTERRUPT_GRACE.toSeconds());
        }
    }

    /**
     * Counts a request as running, unless the instance drains.
     *
     * @return false when the instance drains: the request must not be started
     */
    synchronized boolean start() {
        if (draining) {
            return false;
        }
        running++;
        return true;
    }

    /**
     * Writes a request this draining instance will not start back to the requests topic, keyed as ingest keys
     * tokens ({@link Merge#partitionKey}), and waits for Kafka's acknowledgement; then the taken copy may be
     * acknowledged: the request is never lost, and another instance starts it.
     *
     * @param request a request taken after the drain began
     * @throws IllegalStateException when Kafka did not take it (the taken copy is then dead-lettered, not lost)
     */
    void handBack(StreamRequest request) {
        var written = new CompletableFuture<Void>();
        handBack.send(Message.of(request, Metadata.of(OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(Merge.partitionKey(request.streamId())).build()), () -> {
                    written.complete(null);
                    return CompletableFuture.completedFuture(null);
                }, failure -> {
                    written.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                }));
        try {
            written.get(HAND_BACK_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while handing back stream " + request.streamId(), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot hand back stream " + request.streamId(), e);
        }
        Log.infof("stream %s not started: this instance is draining; handed back for another", request.streamId());
    }

    /** A request started with {@link #start} was acknowledged (or nacked). */
    synchronized void done() {
        running--;
        notifyAll();
    }

    private synchronized int runningNow() {
        return running;
    }

    private synchronized boolean awaitIdle(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (running > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the instance is draining: a request taken now is not started.
     *
     * @return true from the shutdown on
     */
    public boolean draining() {
        return draining;
    }
}
