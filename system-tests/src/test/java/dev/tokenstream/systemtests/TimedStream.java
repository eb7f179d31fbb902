package dev.tokenstream.systemtests;

import dev.tokenstream.client.BufferedStreamHandler;
import dev.tokenstream.client.CallbackStreamHandler;
import dev.tokenstream.client.StreamHandler;
import dev.tokenstream.client.StreamSession;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stream of a failover round: its undisturbed text (asked of the simulator beside the stream, as long as the
 * stream itself), what its client received, and when each token and the end arrived.
 */
final class TimedStream {

    final int index;
    final CompletableFuture<String> expected;
    final BufferedStreamHandler text = new BufferedStreamHandler();
    final List<Long> arrivals = new CopyOnWriteArrayList<>();
    StreamSession session;

    TimedStream(int index, CompletableFuture<String> expected) {
        this.index = index;
        this.expected = expected;
    }

    /** @return a handler noting when each token, and the end, reached the client */
    StreamHandler arrivalClock() {
        return CallbackStreamHandler.builder()
                .onToken((token, i) -> arrivals.add(System.nanoTime()))
                .onComplete(whole -> arrivals.add(System.nanoTime()))
                .onError(error -> arrivals.add(System.nanoTime())).build();
    }

    /** @return the longest gap between two arrivals, ms: the silence its client saw */
    long longestSilenceMillis() {
        return SystemTests.longestGapMillis(arrivals);
    }
}
