package dev.tokenstream.systemtests;

import dev.tokenstream.client.BufferedStreamHandler;
import dev.tokenstream.client.CallbackStreamHandler;
import dev.tokenstream.api.StartStreamRequest;
import dev.tokenstream.client.StreamFailedException;
import dev.tokenstream.client.StreamResult;
import dev.tokenstream.client.StreamSession;
import dev.tokenstream.client.TokenstreamClient;
import dev.tokenstream.client.TokenstreamException;
import dev.tokenstream.events.Buffering;
import dev.tokenstream.events.GenerationParams;
import dev.tokenstream.events.MergeMode;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.Target;
import dev.tokenstream.localstack.LocalStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Chaos on the whole stack: for each process of the local stack, in an order drawn from a seed, concurrent seeded
 * streams run (plain, coalesced by words and by 150 ms windows, one paused and resumed, a fallback merge group) while that process is killed with SIGKILL at a
 * moment drawn from the seed (after some number of tokens reached the clients) and restarted. Every stream must
 * end either completed with exactly its undisturbed text, or failed with a reason and a prefix of that text, never
 * a splice, a duplicate or a gap; the clients reconnect by themselves (the Java SDK). A table per process: streams,
 * outcomes, the longest silence a client saw. Run again with {@code -Dtokenstream.chaos.seed=<printed seed>}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChaosIT {

    private static final List<String> PROCESSES = List.of("ingest-service", "stream-processor", "delivery-service",
            "control-service", "kafka");
    /** The longest silence a client may see while one process restarts. */
    private static final Duration SILENCE_BOUND = Duration.ofSeconds(60);

    private LocalStack stack;
    private TokenstreamClient client;

    @BeforeAll
    void startStack() throws IOException {
        stack = SystemTests.startStack("chaos-it", "shared");
        client = new TokenstreamClient(URI.create(stack.settings().controlUrl()), stack.credentials().apiKey());
    }

    @AfterAll
    void stopStack() {
        if (stack != null) {
            stack.down();
        }
    }

    @Test
    void shouldNeverSpliceRepeatOrLoseATokenWhicheverProcessIsKilled() throws Exception {
        long seed = Long.getLong("tokenstream.chaos.seed", System.nanoTime());
        System.out.printf("chaos seed %d (-Dtokenstream.chaos.seed=%d runs the same kills)%n", seed, seed);
        var random = new Random(seed);
        List<String> order = new ArrayList<>(PROCESSES);
        Collections.shuffle(order, random);

        Map<String, String> table = new LinkedHashMap<>();
        for (String process : order) {
            int killAfterTokens = 5 + random.nextInt(30);
            List<Run> runs = List.of(
                    start(process, 0, "sim-slow", null, false),
                    start(process, 1, "sim-default", null, false),
                    start(process, 2, "sim-default", new Buffering(Buffering.Mode.WORDS, null), false),
                    startGroup(process, 3),
                    start(process, 4, "sim-default", new Buffering(Buffering.Mode.WINDOW, 150), false),
                    // Last, so it is still running when it is paused after its third token.
                    start(process, 5, "sim-slow", null, true));
            runs.stream().filter(run -> run.pauses).forEach(ChaosIT::pauseAndResume);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> runs.stream().mapToLong(run -> run.text.tokenFrames()).sum() >= killAfterTokens);
            stack.kill(process);
            stack.restart(process);

            List<String> outcomes = new ArrayList<>();
            long longestSilenceMillis = 0;
            for (Run run : runs) {
                StreamResult result = run.session.awaitResult(Duration.ofMinutes(3));
                run.session.close();
                String outcome = check(process, run, result);
                outcomes.add(outcome);
                longestSilenceMillis = Math.max(longestSilenceMillis, run.longestSilenceMillis());
            }
            table.put(process, String.format("%d streams, killed after %d tokens: %s; longest silence %d ms",
                    runs.size(), killAfterTokens, outcomes, longestSilenceMillis));
            assertThat(Duration.ofMillis(longestSilenceMillis)).as(process).isLessThan(SILENCE_BOUND);
        }
        System.out.println("chaos, seed " + seed + ":");
        table.forEach((process, row) -> System.out.printf("  %-17s %s%n", process, row));
    }

    /**
     * Checks one stream against its undisturbed text (a fallback group's: its primary's, or its secondary's when the
     * primary had no first token in time); returns its outcome for the table.
     */
    private static String check(String process, Run run, StreamResult result) throws Exception {
        List<String> undisturbed = new ArrayList<>();
        for (CompletableFuture<String> answer : run.answers) {
            undisturbed.add(answer.get(3, TimeUnit.MINUTES));
        }
        if (result.state() == StreamState.COMPLETED) {
            assertThat(result.text()).as("%s, stream %d: completed means the whole answer", process, run.index)
                    .isIn(undisturbed);
            return "completed";
        }
        assertThat(result.state()).as("%s, stream %d", process, run.index).isEqualTo(StreamState.FAILED);
        assertThat(result.error()).isInstanceOf(StreamFailedException.class);
        String code = ((StreamFailedException) result.error()).code();
        // Only ingest's crash may end a stream early: its new attempt must not splice onto delivered content.
        assertThat(process).as("stream %d failed with %s", run.index, code).isEqualTo("ingest-service");
        assertThat(code).isEqualTo("interrupted");
        assertThat(undisturbed).as("%s, stream %d: a prefix, never a splice", process, run.index)
                .anyMatch(text -> text.startsWith(result.text()));
        return "failed " + code;
    }

    private Run start(String process, int index, String model, Buffering buffering, boolean pauses)
            throws Exception {
        String prompt = "Tell a long story about chaos " + process + " " + index;
        var params = new GenerationParams(150, null, (long) index + 7);
        var run = new Run(index, List.of(SystemTests.simulatorAnswerAsync(stack, model, prompt, params)), pauses);
        return started(run, StartStreamRequest.prompt("simulator", model, prompt, params).withBuffering(buffering));
    }

    /** A fallback merge group: sim-default as the primary, sim-slow as the secondary. */
    private Run startGroup(String process, int index) throws Exception {
        String prompt = "Tell a long story about a chaos group " + process;
        var params = new GenerationParams(150, null, (long) index + 7);
        List<String> models = List.of("sim-default", "sim-slow");
        List<CompletableFuture<String>> answers = new ArrayList<>();
        for (String model : models) {
            answers.add(SystemTests.simulatorAnswerAsync(stack, model, prompt, params));
        }
        return started(new Run(index, answers, false), StartStreamRequest.group(MergeMode.FALLBACK,
                models.stream().map(model -> new Target("simulator", model)).toList(), prompt, params));
    }

    private Run started(Run run, StartStreamRequest request) {
        var arrivals = CallbackStreamHandler.builder().onToken((token, i) -> run.arrivals.add(System.nanoTime()))
                .build();
        run.session = retried(() -> client.start(request, run.text, arrivals));
        return run;
    }

    /** Pauses a stream after its third token and resumes it once the processor confirms the pause. */
    private static void pauseAndResume(Run run) {
        await().atMost(Duration.ofSeconds(60)).until(() -> run.text.tokenFrames() >= 3);
        retried(run.session::pause);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> run.session.status().state() != StreamState.STARTED);
        if (run.session.status().state() == StreamState.PAUSED) {
            retried(run.session::resume);
        }
    }

    /** A call to the control API, again while it restarts (503 or unreachable), for up to a minute. */
    private static <T> T retried(Supplier<T> call) {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (true) {
            try {
                return call.get();
            } catch (TokenstreamException e) {
                if ((e.status() != 0 && e.status() != 503) || System.nanoTime() > deadline) {
                    throw e;
                }
                await().pollDelay(Duration.ofMillis(200)).atMost(Duration.ofSeconds(1)).until(() -> true);
            }
        }
    }

    /** One stream of a round: its undisturbed text, what its client received, when each token arrived. */
    private static final class Run {
        final int index;
        /** Its undisturbed text (a fallback group's: its primary's, then its secondary's), asked beside it. */
        final List<CompletableFuture<String>> answers;
        final boolean pauses;
        final BufferedStreamHandler text = new BufferedStreamHandler();
        final List<Long> arrivals = new CopyOnWriteArrayList<>();
        StreamSession session;

        Run(int index, List<CompletableFuture<String>> answers, boolean pauses) {
            this.index = index;
            this.answers = answers;
            this.pauses = pauses;
        }

        long longestSilenceMillis() {
            return SystemTests.longestGapMillis(arrivals);
        }
    }
}
