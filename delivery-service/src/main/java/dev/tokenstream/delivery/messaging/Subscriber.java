package dev.tokenstream.delivery.messaging;

import dev.tokenstream.events.Micros;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One client's position in a {@link FrameLog}. Frames go out one write at a time, each after the previous write
 * completed, so a slow client only falls behind in the shared log: it holds no copies and delays nobody. Its
 * lag is its send queue: past {@link Backpressure#coalesceLagFrames()} the waiting token frames go out merged
 * (no text lost); once it falls {@link Backpressure#maxLagFrames()} further behind than it was when it connected,
 * it is closed and told where to resume (a client replaying a long backlog is not closed for the backlog).
 */
public final class Subscriber {

    private final FrameLog log;
    private final FrameSink sink;
    private final Backpressure backpressure;
    private final Timer lag;
    /** Frames already waiting when the client connected (a resume of a long stream): not counted against it. */
    private final int startLag;
    /** The seq of the last frame handed to the connection: what the client will have seen. */
    private long lastQueuedSeq;
    private boolean sending;
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
     * Sends what is waiting, if no write is under way; closes the client when it is too far behind, also while
     * a write is stuck (the close frame queues behind the data already written). Safe to call from any thread.
     */
    void pump() {
        Frame frame;
        long resumeAfter;
        synchronized (this) {
            if (closed) {
                return;
            }
            // Positions are seqs, not indices: frames read from Kafka may be put in front of those in memory.
            int nextIndex = log.indexAfter(lastQueuedSeq);
            int lag = log.size() - nextIndex;
            if (lag > startLag + backpressure.maxLagFrames()) {
                closed = true;
                resumeAfter = lastQueuedSeq;
                frame = null;
            } else {
                if (sending || lag <= 0) {
                    return;
                }
                // Never past a hole in front of the client's position: older frames are being read back.
                if (log.frameAt(nextIndex).seq() > lastQueuedSeq + 1 && log.awaitsOlderFrames()) {
                    return;
                }
                List<Frame> run = lag > backpressure.coalesceLagFrames()
                        ? log.tokenRun(nextIndex, backpressure.maxCoalescedFrames()) : List.of();
                frame = run.size() > 1 ? Frame.coalesce(log.streamId(), run) : log.frameAt(nextIndex);
                lastQueuedSeq = frame.seq();
                resumeAfter = lastQueuedSeq;
                sending = true;
            }
        }
        if (frame == null) {
            Log.infof("stream %s: a client too far behind closed with %d; it resumes after seq %d", log.streamId(),
                    FrameSink.TOO_FAR_BEHIND, resumeAfter);
            log.unsubscribe(this);
            sink.tooFarBehind(resumeAfter);
            return;
        }
        sink.send(frame).subscribe().with(ok -> sent(frame), failure -> {
            Log.debugf("stream %s: a client write failed (%s); subscriber dropped", log.streamId(), failure.getMessage());
            close();
        });
    }

    private void sent(Frame frame) {
        synchronized (this) {
            sending = false;
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
            if (closed || sending) {
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
