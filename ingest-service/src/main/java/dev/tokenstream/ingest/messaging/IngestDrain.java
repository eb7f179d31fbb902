package dev.tokenstream.ingest.messaging;

import dev.tokenstream.ingest.config.IngestConfig;
import dev.tokenstream.ingest.provider.ActiveStreams;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The graceful drain on SIGTERM (a rollout, a KEDA scale-in): from the shutdown on, this instance starts no stream
 * (a request it takes is left unacknowledged, so another instance takes it), lets the running streams go on to their
 * end for up to {@code ingest.drain-timeout}, then interrupts the rest (they end as failed with
 * {@code interrupted}, and their requests are committed). It runs before the Kafka clients close, so every stream's
 * last event is written and its request's offset committed.
 */
@ApplicationScoped
public class IngestDrain {

    /** How long interrupted streams get to write their last event. */
    private static final Duration INTERRUPT_GRACE = Duration.ofSeconds(5);

    private final ActiveStreams activeStreams;
    private final IngestConfig config;
    private volatile boolean draining;
    /** Requests being run, from their start to their acknowledgement. */
    private int running;

    public IngestDrain(ActiveStreams activeStreams, IngestConfig config) {
        this.activeStreams = activeStreams;
        this.config = config;
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
