package dev.tokenstream.delivery.messaging;

import io.quarkus.logging.Log;

/**
 * One client's position in a {@link FrameLog}. Frames go out one at a time, each after the previous write
 * completed, so a slow client only falls behind in the shared log: it holds no copies and delays nobody.
 */
public final class Subscriber {

    private final FrameLog log;
    private final FrameSink sink;
    private int nextIndex;
    private boolean sending;
    private boolean closed;

    Subscriber(FrameLog log, FrameSink sink, int firstIndex) {
        this.log = log;
        this.sink = sink;
        this.nextIndex = firstIndex;
    }

    /** Sends the next frame if one is waiting and no write is under way. Safe to call from any thread. */
    void pump() {
        Frame frame;
        synchronized (this) {
            if (sending || closed) {
                return;
            }
            frame = log.frameAt(nextIndex);
            if (frame == null) {
                return;
            }
            sending = true;
        }
        sink.send(frame).subscribe().with(ok -> sent(frame), failure -> {
            Log.debugf("stream %s: a client write failed (%s); subscriber dropped", log.streamId(), failure.getMessage());
            close();
        });
    }

    private void sent(Frame frame) {
        synchronized (this) {
            nextIndex++;
            sending = false;
        }
        if (frame.terminal()) {
            close();
            sink.end();
        } else {
            pump();
        }
    }

    /** Stops sending and leaves the log. */
    public void close() {
        synchronized (this) {
            closed = true;
        }
        log.unsubscribe(this);
    }
}
