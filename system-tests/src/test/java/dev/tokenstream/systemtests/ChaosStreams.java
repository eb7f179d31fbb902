package dev.tokenstream.systemtests;

import dev.tokenstream.api.StartStreamRequest;
import dev.tokenstream.client.StreamResult;
import dev.tokenstream.client.TokenstreamClient;
import dev.tokenstream.client.TokenstreamException;
import dev.tokenstream.events.Buffering;
import dev.tokenstream.events.GenerationParams;
import dev.tokenstream.events.MergeMode;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.Target;
import dev.tokenstream.localstack.LocalStack;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import static org.awaitility.Awaitility.await;

/**
 * The chaos tests' streams, run at once through the Java SDK (which reconnects and resumes by itself): plain, coalesced
 * by words and by 150 ms windows, a fallback merge group, and one paused after its third token and resumed.
 *
 * @param runs the streams, in the order started
 */
record ChaosStreams(List<TimedStream> runs) {

    /**
     * Starts the six streams of a round on {@code client}'s control-service.
     *
     * @param round  names the prompts (each round's streams differ)
     * @param tokens the length of each stream ({@code sim-slow}: 80 ms a token; {@code sim-default}: faster)
     */
    static ChaosStreams start(LocalStack stack, TokenstreamClient client, String round, int tokens) {
        List<TimedStream> runs = new ArrayList<>();
        runs.add(start(stack, client, round, 0, "sim-slow", null, false, tokens));
        runs.add(start(stack, client, round, 1, "sim-default", null, false, tokens));
        runs.add(start(stack, client, round, 2, "sim-default", new Buffering(Buffering.Mode.WORDS, null), false,
                tokens));
        runs.add(startGroup(stack, client, round, 3, tokens));
        runs.add(start(stack, client, round, 4, "sim-default", new Buffering(Buffering.Mode.WINDOW, 150), false,
                tokens));
        runs.get(4).clockDecided = true;
        // Last, so it is still running when it is paused after its third token.
        runs.add(start(stack, client, round, 5, "sim-slow", null, true, tokens));
        runs.stream().filter(run -> run.pauses).forEach(ChaosStreams::pauseAndResume);
        return new ChaosStreams(List.copyOf(runs));
    }

    /** @return token frames all streams' clients received so far */
    long tokenFrames() {
        return runs.stream().mapToLong(run -> run.text.tokenFrames()).sum();
    }

    /**
     * Waits for every stream's end and checks it ({@link TimedStream#check}).
     *
     * @return each stream's outcome, and the longest silence any client saw
     */
    Outcome finish(String what, boolean mayBeInterrupted) throws Exception {
        List<String> outcomes = new ArrayList<>();
        long longestSilenceMillis = 0;
        for (TimedStream run : runs) {
            StreamResult result = run.session.awaitResult(Duration.ofMinutes(3));
            run.session.close();
            outcomes.add(run.check(what, result, mayBeInterrupted));
            longestSilenceMillis = Math.max(longestSilenceMillis, run.longestSilenceMillis());
        }
        return new Outcome(outcomes, longestSilenceMillis);
    }

    /** How a round's streams ended. */
    record Outcome(List<String> outcomes, long longestSilenceMillis) {
    }

    private static TimedStream start(LocalStack stack, TokenstreamClient client, String round, int index, String model,
                                     Buffering buffering, boolean pauses, int tokens) {
        String prompt = "Tell a long story about chaos " + round + " " + index;
        var params = new GenerationParams(tokens, null, (long) index + 7);
        var run = new TimedStream(index, List.of(SystemTests.simulatorAnswerAsync(stack, model, prompt, params)),
                pauses);
        return started(client, run, StartStreamRequest.prompt("simulator", model, prompt, params)
                .withBuffering(buffering));
    }

    /** A fallback merge group: sim-default as the primary, sim-slow as the secondary. */
    private static TimedStream startGroup(LocalStack stack, TokenstreamClient client, String round, int index,
                                          int tokens) {
        String prompt = "Tell a long story about a chaos group " + round;
        var params = new GenerationParams(tokens, null, (long) index + 7);
        List<String> models = List.of("sim-default", "sim-slow");
        List<CompletableFuture<String>> answers = new ArrayList<>();
        for (String model : models) {
            answers.add(SystemTests.simulatorAnswerAsync(stack, model, prompt, params));
        }
        return started(client, new TimedStream(index, answers, false), StartStreamRequest.group(MergeMode.FALLBACK,
                models.stream().map(model -> new Target("simulator", model)).toList(), prompt, params));
    }

    private static TimedStream started(TokenstreamClient client, TimedStream run, StartStreamRequest request) {
        run.session = retried(() -> client.start(request, run.text, run.arrivalClock()));
        return run;
    }

    /** Pauses a stream after its third token and resumes it once the processor confirms the pause. */
    private static void pauseAndResume(TimedStream run) {
        await().atMost(Duration.ofSeconds(60)).until(() -> run.text.tokenFrames() >= 3);
        retried(run.session::pause);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> run.session.status().state() != StreamState.STARTED);
        if (run.session.status().state() == StreamState.PAUSED) {
            retried(run.session::resume);
        }
    }

    /** A call to the control API, again while it restarts (503 or unreachable), for up to a minute. */
    static <T> T retried(Supplier<T> call) {
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
}
