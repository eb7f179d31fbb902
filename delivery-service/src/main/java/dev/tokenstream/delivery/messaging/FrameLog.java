package dev.tokenstream.delivery.messaging;

import dev.tokenstream.events.ErrorInfo;
import io.micrometer.core.instrument.Timer;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The frames of one stream in delivery-seq order, shared by all its subscribers. Frames whose seq was already
 * appended (at-least-once redelivery) are dropped, so every subscriber gets each frame exactly once; nothing
 * follows a terminal frame.
 * <p>
 * A frame that comes again under a seq already appended, with other content (type, text or token count), means
 * the processor re-produced the stream differently after a crash (a decision by its clock, taken again at another
 * point). Clients already have the first version, so the continuation could splice two versions: the log ends the
 * stream instead, with a {@code failed} frame of code {@code data_loss} after the last frame it holds. Every
 * delivery instance reads the same records in the same order, so all decide the same.
 */
public final class FrameLog {

    private final String streamId;
    private final List<Frame> frames = new ArrayList<>();
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private volatile long lastActivityNanos = System.nanoTime();
    private volatile boolean finished;
    private boolean backfillRequested;
    /** A read-back of older frames is under way: no subscriber may pass a hole in front of its position. */
    private boolean backfillPending;

    FrameLog(String streamId) {
        this.streamId = streamId;
    }

    /** @return the stream's id */
    public String streamId() {
        return streamId;
    }

    /**
     * Appends a frame and wakes the subscribers; a frame at or below the last seq, or after the end, is dropped.
     *
     * @return whether the frame ended the stream as diverged (see the class comment)
     */
    boolean append(Frame frame) {
        boolean diverged = false;
        synchronized (this) {
            if (finished) {
                return false;
            }
            if (!frames.isEmpty() && frame.seq() <= frames.get(frames.size() - 1).seq()) {
                Frame earlier = frameWithSeq(frame.seq());
                if (earlier == null || sameContent(earlier, frame)) {
                    return false;
                }
                frame = Frame.failed(streamId, frames.get(frames.size() - 1).seq() + 1, new ErrorInfo("data_loss",
                        "the stream was produced again differently from frame " + frame.seq() + " on (a processor "
                                + "restart); it ends after what was delivered", true));
                diverged = true;
            }
            frames.add(frame);
            finished |= frame.terminal();
            lastActivityNanos = System.nanoTime();
        }
        subscribers.forEach(Subscriber::pump);
        return diverged;
    }

    private Frame frameWithSeq(long seq) {
        int index = indexAfter(seq) - 1;
        return index >= 0 && frames.get(index).seq() == seq ? frames.get(index) : null;
    }

    private static boolean sameContent(Frame a, Frame b) {
        return a.type() == b.type() && a.tokens() == b.tokens() && Objects.equals(a.text(), b.text());
    }

    /**
     * Adds a subscriber that gets every frame whose seq is greater than {@code afterSeq}, then the live ones.
     *
     * @param afterSeq the last seq the client saw, or -1 for the whole stream
     */
    Subscriber subscribe(long afterSeq, FrameSink sink, Backpressure backpressure, Timer lag) {
        Subscriber subscriber;
        synchronized (this) {
            subscriber = new Subscriber(this, sink, backpressure, lag, afterSeq);
            subscribers.add(subscriber);
            lastActivityNanos = System.nanoTime();
        }
        subscriber.pump();
        return subscriber;
    }

    void unsubscribe(Subscriber subscriber) {
        subscribers.remove(subscriber);
        lastActivityNanos = System.nanoTime();
    }

    /**
     * Asks, once per log, whether frames older than memory holds should be read from Kafka for a subscriber that
     * resumes after {@code afterSeq}: when memory starts above {@code afterSeq + 1}, or holds nothing of a stream
     * it does not hold {@code whole}.
     */
    synchronized boolean needsBackfill(long afterSeq, boolean whole) {
        if (backfillRequested || (frames.isEmpty() ? whole : frames.get(0).seq() <= afterSeq + 1)) {
            return false;
        }
        backfillRequested = true;
        backfillPending = true;
        return true;
    }

    /**
     * Whether frames older than memory holds are being read back, so a subscriber must wait rather than skip to a
     * frame whose seq is not the next one it needs.
     *
     * @return true from {@link #needsBackfill} answering yes until {@link #backfill} or {@link #backfillFailed}
     */
    synchronized boolean awaitsOlderFrames() {
        return backfillPending;
    }

    /**
     * The read-back failed (Kafka unreachable): the subscribers waiting on it are told to reconnect, which asks
     * for the read-back again; nobody is sent the frames after the hole.
     */
    void backfillFailed() {
        synchronized (this) {
            backfillPending = false;
            backfillRequested = false;
        }
        subscribers.forEach(Subscriber::retryLater);
    }

    /** Puts frames read from Kafka in front of those in memory (older seqs only) and wakes the subscribers. */
    void backfill(List<Frame> older) {
        synchronized (this) {
            long firstInMemory = frames.isEmpty() ? Long.MAX_VALUE : frames.get(0).seq();
            List<Frame> missing = new ArrayList<>();
            for (Frame frame : older) {
                if (frame.seq() < firstInMemory
                        && (missing.isEmpty() || frame.seq() > missing.get(missing.size() - 1).seq())) {
                    missing.add(frame);
                }
            }
            frames.addAll(0, missing);
            missing.forEach(f -> finished |= f.terminal());
            backfillPending = false;
            lastActivityNanos = System.nanoTime();
        }
        subscribers.forEach(Subscriber::pump);
    }

    /** @return the index of the first frame whose seq is greater than {@code seq} ({@code size()} if none) */
    synchronized int indexAfter(long seq) {
        int low = 0;
        int high = frames.size();
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (frames.get(mid).seq() <= seq) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    synchronized Frame frameAt(int index) {
        return index < frames.size() ? frames.get(index) : null;
    }

    /** @return the token frames from {@code index} on, up to the first other frame, at most {@code max} */
    synchronized List<Frame> tokenRun(int index, int max) {
        int end = index;
        while (end < frames.size() && end - index < max && frames.get(end).isToken()) {
            end++;
        }
        return List.copyOf(frames.subList(index, end));
    }

    /** @return clients reading this stream now */
    public int subscriberCount() {
        return subscribers.size();
    }

    /** @return the seq of the last frame held, -1 when none */
    synchronized long lastSeq() {
        return frames.isEmpty() ? -1 : frames.get(frames.size() - 1).seq();
    }

    /** @return frames held */
    public synchronized int size() {
        return frames.size();
    }

    /** @return whether nobody reads it and nothing happened to it for {@code idleNanos} */
    boolean isIdleFor(long idleNanos, long nowNanos) {
        return subscribers.isEmpty() && nowNanos - lastActivityNanos > idleNanos;
    }

    long lastActivityNanos() {
        return lastActivityNanos;
    }

    boolean isFinished() {
        return finished;
    }
}
