package dev.tokenstream.delivery.messaging;

import io.smallrye.mutiny.Uni;

/** Where a subscriber's frames go: a WebSocket connection or an SSE response. */
public interface FrameSink {

    /** WebSocket close code for a client too far behind: reconnect with {@code after} = the seq in the reason. */
    int TOO_FAR_BEHIND = 4001;

    /** @return completes when the frame is written to the connection */
    Uni<Void> send(Frame frame);

    /** Ends the connection normally after the stream's terminal frame. */
    void end();

    /**
     * Ends the connection of a client that fell too far behind.
     *
     * @param lastSeq the last seq the client was sent: it resumes after it
     */
    void tooFarBehind(long lastSeq);
}
