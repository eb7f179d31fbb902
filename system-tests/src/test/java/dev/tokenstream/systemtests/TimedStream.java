package dev.tokenstream.systemtests;

import dev.tokenstream.client.BufferedStreamHandler;
import dev.tokenstream.client.CallbackStreamHandler;
import dev.tokenstream.client.StreamFailedException;
import dev.tokenstream.client.StreamHandler;
import dev.tokenstream.client.StreamResult;
import dev.tokenstream.client.StreamSession;
import dev.tokenstream.events.StreamState;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A stream of a failover or chaos round: its undisturbed text (asked of the simulator beside the stream, as long as
 * the stream itself; a fallback group has two, its primary's and its secondary's), what its client received, and
 * when each token and the end arrived.
 */
final class TimedStream {

    final int index;
    final List<CompletableFuture<String>> answers;
    /** Whether the round pauses and resumes it. */
    final boolean pauses;
    /**
     * Whether a clock decides some of its frames (coalescing by time windows): reprocessed after a processor's crash
     * or fence, such a frame may come out otherwise, and delivery then ends the stream {@code data_loss} after what
     * the client has (docs/design.md "Crash and restart": a clean failure, never a splice).
     */
    boolean clockDecided;
    final BufferedStreamHandler text = new BufferedStreamHandler();
    final List<Long> arrivals = new CopyOnWriteArrayList<>();
    StreamSession session;

    TimedStream(int index, CompletableFuture<String> expected) {
        this(index, List.of(expected), false);
    }

    TimedStream(int index, List<CompletableFuture<String>> answers, boolean pauses) {
        this.index = index;
        this.answers = answers;
        this.pauses = pauses;
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

    /** @return its undisturbed text (the first, for a group) */
    String expected() throws Exception {
        return answers.get(0).get(3, TimeUnit.MINUTES);
    }

    /**
     * Checks how the stream ended: completed with exactly an undisturbed text, or, where the round may have
     * interrupted it (a lost ingest), failed {@code interrupted} with a prefix of one, or, for a stream a clock
     * coalesces ({@link #clockDecided}), failed {@code data_loss} with a prefix of one: never a splice, a repeat or a
     * gap.
     *
     * @param what             the round, for the messages
     * @param mayBeInterrupted whether the round lost an ingest instance
     * @return the outcome, for the round's table
     */
    String check(String what, StreamResult result, boolean mayBeInterrupted) throws Exception {
        List<String> undisturbed = new ArrayList<>();
        for (CompletableFuture<String> answer : answers) {
            undisturbed.add(answer.get(3, TimeUnit.MINUTES));
        }
        if (result.state() == StreamState.COMPLETED) {
            assertThat(result.text()).as("%s, stream %d: completed means the whole answer, nothing lost, repeated or "
                    + "spliced", what, index).isIn(undisturbed);
            return "completed";
        }
        assertThat(result.state()).as("%s, stream %d (%s)", what, index, result.error()).isEqualTo(StreamState.FAILED);
        assertThat(result.error()).isInstanceOf(StreamFailedException.class);
        String code = ((StreamFailedException) result.error()).code();
        if (clockDecided && code.equals("data_loss")) {
            assertThat(undisturbed).as("%s, stream %d: a prefix, never a splice", what, index)
                    .anyMatch(whole -> whole.startsWith(result.text()));
            return "data_loss (a window the clock closed, redone otherwise)";
        }
        // Only a lost ingest may end a stream early: its new attempt must not splice onto delivered content.
        assertThat(mayBeInterrupted).as("%s, stream %d failed with %s", what, index, code).isTrue();
        assertThat(code).isEqualTo("interrupted");
        assertThat(undisturbed).as("%s, stream %d: a prefix, never a splice", what, index)
                .anyMatch(whole -> whole.startsWith(result.text()));
        return "interrupted";
    }
}
