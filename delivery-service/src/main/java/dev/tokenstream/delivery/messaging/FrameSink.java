package dev.tokenstream.delivery.messaging;

import io.smallrye.mutiny.Uni;

/** Where a subscriber's frames go: a WebSocket connection or an SSE response. */
public interface FrameSink {

    /** @return completes when the frame is written to the connection */
    Uni<Void> send(Frame frame);

    /** Ends the connection normally after the stream's terminal frame. */
    void end();
}
