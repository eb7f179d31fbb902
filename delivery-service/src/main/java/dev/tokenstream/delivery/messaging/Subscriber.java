package dev.tokenstream.delivery.messaging;

import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.Micros;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client's position in a {@link FrameLog}. Frames go out in order with at most
 * {@link Backpressure#maxWritesInFlight()} writes handed to the connection and not yet completed, so a slow client
 * only falls behind in the shared log: it holds no copies beyond those writes and delays nobody. Its lag is what
 * waits in the log: past {@link Backpressure#coalesceLagFrames()} the waiting token frames go out merged (no text
 * lost); once it falls {@link Backpressure#maxLagFrames()} further behind than it was when it connected, it is
 * closed and told where to resume (a client replaying a long backlog is not closed for the backlog).
 * <p>
 * One thread at a time sends (whichever called {@link #pump} first; calls meanwhile only make it look again), so the
 * writes reach the connection in the log's order without a lock held across a write, and a write that completes at
 * once does not recurse into the next.
 */
public final class Subscriber {

    /** What {@link #next} answers for a client too far behind: it is closed and sent nothing more. */
    private static final Frame TOO_FAR_BEHIND = new Frame(-1, FrameType.FAILED, "", null, 0, 0);

    private final FrameLog log;
    private final FrameSink sink;
    private final Backpressure backpressure;
    private final Timer lag;
    /** Frames already waiting when the client connected (a resume of a long stream): not counted against it. */
    private final int startLag;
    /** Calls of {@link #pump} not yet looked at by the thread that sends; 0 when none sends. */
    private final AtomicInteger pumps = new AtomicInteger();
    /** The seq of the last frame handed to the connection: what the client will have seen. */
    private long lastQueuedSeq;
    private int writesInFlight;
    private boolean closed;

    Subscriber(FrameLog log, FrameSink sink, Backpressure backpressure, Timer lag, long afterSeq) {
        this.log = log;
        this.lag = lag;
        this.sink = sink;
        this.backpressure = backpressure;
        this.lastQueuedSeq = afterSeq;
        this.startLag = log.size() - log.indexAfter(afterSeq);
    }

    /**
     * Sends what is waiting while fewer than the most writes are under way; closes the client when it is too far
     * behind, also while writes are stuck (the close frame queues behind the data already written). Safe to call
     * from any thread.
     */
    void pump() {
        if (pumps.getAndIncrement() != 0) {
            return;
        }
        int seen = 1;
        do {
            Frame frame;
            while ((frame = next()) != null) {
                if (frame == TOO_FAR_BEHIND) {
                    long resumeAfter;
                    synchronized (this) {
                        resumeAfter = lastQueuedSeq;
                    }
                    Log.infof("stream %s: a client too far behind closed with %d; it resumes after seq %d",
                            log.streamId(), FrameSink.TOO_FAR_BEHIND, resumeAfter);
                    log.unsubscribe(this);
                    sink.tooFarBehind(resumeAfter);
                    return; // closed: pumps stays raised, so nothing more is sent

                }
                Frame sending = frame;
                sink.send(sending).subscribe().with(ok -> sent(sending), failure -> {
                    Log.debugf("stream %s: a client write failed (%s); subscriber dropped", log.streamId(),
                            failure.getMessage());
                    close();
                });
            }
            seen = pumps.addAndGet(-seen);
        } while (seen != 0);
    }

    /** @return the next frame to write, counted as under way; {@link #TOO_FAR_BEHIND}; or null for none now */
    private synchronized Frame next() {
        if (closed) {
            return null;
        }
        // Positions are seqs, not indices: frames read from Kafka may be put in front of those in memory.
        int nextIndex = log.indexAfter(lastQueuedSeq);
        int waiting = log.size() - nextIndex;
        if (waiting > startLag + backpressure.maxLagFrames()) {
            closed = true;
            return TOO_FAR_BEHIND;
        }
        if (writesInFlight >= backpressure.maxWritesInFlight() || waiting <= 0) {
            return null;
        }
        // Never past a hole in front of the client's position: older frames are being read back.
        if (log.frameAt(nextIndex).seq() > lastQueuedSeq + 1 && log.awaitsOlderFrames()) {
            return null;
        }
        List<Frame> run = waiting > backpressure.coalesceLagFrames()
                ? log.tokenRun(nextIndex, backpressure.maxCoalescedFrames()) : List.of();
        Frame frame = run.size() > 1 ? Frame.coalesce(log.streamId(), run) : log.frameAt(nextIndex);
        lastQueuedSeq = frame.seq();
        writesInFlight++;
        return frame;
    }

    private void sent(Frame frame) {
        synchronized (this) {
            writesInFlight--;
        }
        if (frame.isToken() && frame.emittedAtMicros() > 0) {
            lag.record(Math.max(0, Micros.now() - frame.emittedAtMicros()), TimeUnit.MICROSECONDS);
        }
        if (frame.terminal()) {
            close();
            sink.end();
        } else {
            pump();
        }
    }

    /**
     * Closes the client as one too far behind is closed, telling it the seq to resume after: its frames could not
     * be read back now, and a reconnect asks again.
     */
    void retryLater() {
        long resumeAfter;
        synchronized (this) {
            if (closed || writesInFlight > 0) {
                return;
            }
            closed = true;
            resumeAfter = lastQueuedSeq;
        }
        log.unsubscribe(this);
        sink.tooFarBehind(resumeAfter);
    }

    /** Stops sending and leaves the log. */
    public void close() {
        synchronized (this) {
            closed = true;
        }
        log.unsubscribe(this);
    }
}
