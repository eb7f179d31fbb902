package dev.tokenstream.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstream.bench.BenchReport;
import dev.tokenstream.bench.BenchRun;
import dev.tokenstream.bench.Benchmark;
import dev.tokenstream.client.BufferedStreamHandler;
import dev.tokenstream.client.CallbackStreamHandler;
import dev.tokenstream.api.StartStreamRequest;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.SessionTurn;
import dev.tokenstream.client.Conversation;
import dev.tokenstream.client.StreamResult;
import dev.tokenstream.client.StreamSession;
import dev.tokenstream.client.TokenstreamException;
import dev.tokenstream.client.TokenstreamClient;
import dev.tokenstream.events.Buffering;
import dev.tokenstream.events.GenerationParams;
import dev.tokenstream.events.Merge;
import dev.tokenstream.events.MergeMode;
import dev.tokenstream.events.Micros;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.Target;
import dev.tokenstream.events.ToolCall;
import dev.tokenstream.events.serde.Json;
import dev.tokenstream.localstack.LocalStack;
import dev.tokenstream.testsupport.ExternalCommand;
import dev.tokenstream.testsupport.ExternalCommand.Output;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The whole stack as users run it: a Kafka broker process and the five services from their built jars (the
 * local stack, on free ports in a temporary folder), driven through the public API and the WebSocket.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WholeStackIT {

    private static Path home;
    private static LocalStack stack;
    private static TokenstreamClient client;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** @return the topic layout this run of the tests uses; {@link PerStreamWholeStackIT} runs them per stream */
    String topicLayout() {
        return "shared";
    }

    @BeforeAll
    void startStack() throws IOException {
        home = SystemTests.home();
        stack = SystemTests.startStack("whole-stack-it-" + topicLayout(), topicLayout());
        client = new TokenstreamClient(URI.create(stack.settings().controlUrl()), stack.credentials().apiKey());
    }

    @AfterAll
    void stopStack() {
        if (stack != null) {
            stack.down();
        }
    }

    /**
     * The benchmark keeps working: a short run through the three paths (the direct relay, the floor of two bare
     * Kafka hops, Tokenstream); its figures are printed, not asserted.
     */
    @Test
    void shouldRunTheBenchmarkAgainstTheDirectRelay() throws Exception {
        Path out = home.resolve("system-tests/target/bench-smoke-" + topicLayout());

        BenchReport report = BenchRun.run(stack, client, new BenchRun.Plan(List.of(2), 10, 0, 1, 2, 2, null, 5, 300, 2),
                out, System.out);

        report.print(System.out);
        assertThat(report.results()).extracting(Benchmark.Result::system)
                .containsExactly("direct", "floor", "tokenstream");
        assertThat(report.results()).allSatisfy(r -> {
            assertThat(r.tokens()).as(r.system()).isEqualTo(20);
            assertThat(r.addedLatency().count()).as(r.system()).isEqualTo(20);
            assertThat(r.firstToken().count()).as(r.system()).isEqualTo(2);
            assertThat(r.missingTokens()).as(r.system()).isZero();
            assertThat(r.peakUpstream()).as(r.system()).isBetween(1, 2);
        });
        assertThat(report.limits()).extracting(Benchmark.Limit::system)
                .containsExactly("direct", "floor", "tokenstream");
        assertThat(report.limits()).allSatisfy(limit -> assertThat(limit.steps()).isNotEmpty().first()
                .extracting(Benchmark.Result::streams).isEqualTo(1));
        assertThat(report.memory().streams()).isEqualTo(2);
        assertThat(report.memory().processes()).containsKeys("delivery-service", "stream-processor", "ingest-service")
                .allSatisfy((name, memory) -> assertThat(memory.liveHeapActiveMiB()).as(name).isPositive());
        assertThat(report.settings()).containsEntry("topicLayout", topicLayout());
        assertThat(report.results().get(2).processes()).containsKeys("kafka", "ingest-service", "stream-processor",
                "delivery-service").allSatisfy((name, usage) -> assertThat(usage.rssMiB()).as(name).isPositive());
        assertThat(report.results().get(0).processes()).containsKeys("direct-relay", "provider-simulator");
        assertThat(report.results().get(1).processes()).containsKeys("direct-relay", "provider-simulator", "kafka");
        assertThat(report.control().pausedFrame().count()).isEqualTo(1);
        assertThat(report.control().upstreamClosed().count()).isEqualTo(1);
        // Idle smoke: every process of the stack measured, none more than the machine's cores.
        assertThat(report.idle().cores()).containsKeys("kafka", "ingest-service", "stream-processor",
                "delivery-service", "control-service").allSatisfy((name, cores) -> assertThat(cores).as(name)
                .isBetween(0.0, (double) Runtime.getRuntime().availableProcessors()));
        // Fan-out smoke: one stream of 100 tokens to 5 subscribers, every token to every one of them.
        assertThat(report.fanOut()).extracting(Benchmark.FanOut::system).containsExactly("direct", "tokenstream");
        assertThat(report.fanOut()).allSatisfy(fanOut -> {
            assertThat(fanOut.subscribers()).as(fanOut.system()).isEqualTo(5);
            assertThat(fanOut.tokens()).as(fanOut.system()).isEqualTo(100);
            assertThat(fanOut.received()).as(fanOut.system()).isEqualTo(500);
        });
        // Fast-stream smoke: 300 tokens at 3,000 tokens/s through each system, none lost.
        assertThat(report.fastStream()).extracting(Benchmark.Result::system)
                .containsExactly("direct", "floor", "tokenstream");
        assertThat(report.fastStream()).allSatisfy(r -> {
            assertThat(r.tokens()).as(r.system()).isEqualTo(300);
            assertThat(r.missingTokens()).as(r.system()).isZero();
        });
        assertThat(Json.MAPPER.readTree(out.resolve("bench.json").toFile()).path("results")).hasSize(3);
        assertThat(out.resolve("bench.png")).isNotEmptyFile();
    }

    /** Not a timing assertion: the figure for the README's choice of topic layout, printed. */
    @Test
    void shouldReportTimeToFirstTokenAtTheClientForItsTopicLayout() throws Exception {
        List<Double> millis = new ArrayList<>();
        int warmUp = 3;
        for (int i = 0; i < warmUp + 10; i++) {
            var started = client.create(StartStreamRequest.prompt("simulator", "sim-fast", "Say hi " + i,
                    new GenerationParams(5, null, (long) i)));
            try (var recorder = new Recorder(client, started.ws(), -1)) {
                assertThat(recorder.subscription.awaitClose(Duration.ofSeconds(30))).isEqualTo(1000);
                long firstToken = recorder.receivedAtMicros.stream().findFirst().orElseThrow();
                long accepted = awaitTerminalStats(started.streamId()).stats().acceptedAtMicros();
                if (i >= warmUp) {
                    millis.add((firstToken - accepted) / 1000.0);
                }
            }
        }
        millis.sort(Double::compare);
        System.out.printf("%s topic layout: request accepted -> first token at the client, sim-fast (80 ms to first "
                + "token): p50 %.0f ms, max %.0f ms over %d streams%n", topicLayout(), millis.get(millis.size() / 2),
                millis.get(millis.size() - 1), millis.size());
        assertThat(millis).hasSize(10);
    }

    @Test
    void shouldStreamTheSimulatorsExactTextInOrderWithoutDuplicates() throws Exception {
        String prompt = "Explain Kafka partitions";
        var params = new GenerationParams(64, null, 11L);
        String expected = simulatorAnswer("sim-fast", prompt, params);

        var started = client.create(StartStreamRequest.prompt("simulator", "sim-fast", prompt, params));
        List<DeliveryFrame> frames = new CopyOnWriteArrayList<>();
        try (var subscription = client.subscribe(started.ws(), -1, frames::add)) {
            assertThat(subscription.awaitClose(Duration.ofSeconds(60))).isEqualTo(1000);
        }

        assertThat(frames).extracting(DeliveryFrame::seq)
                .containsExactlyElementsOf(LongStream.range(0, frames.size()).boxed().toList());
        assertThat(frames.get(0).type()).isEqualTo(FrameType.STARTED);
        assertThat(frames.get(frames.size() - 1).type()).isEqualTo(FrameType.COMPLETED);
        assertThat(text(frames)).isEqualTo(expected);

        var status = awaitTerminalStats(started.streamId());
        assertThat(status.state()).isEqualTo(StreamState.COMPLETED);
        // A frame may hold several tokens (those that queued in ingest behind a record in flight).
        assertThat(status.stats().outputTokens()).isEqualTo(frames.stream().filter(DeliveryFrame::isToken)
                .mapToLong(DeliveryFrame::tokenCount).sum());
        assertThat(status.stats().ttftMillis()).isPositive();
        assertThat(status.stats().itlP50Millis()).isPositive();

        try (var resumed = new Recorder(client, started.ws(), 10)) {
            assertThat(resumed.subscription.awaitClose(Duration.ofSeconds(30))).isEqualTo(1000);
            assertThat(resumed.frames).extracting(DeliveryFrame::seq)
                    .containsExactlyElementsOf(LongStream.range(11, frames.size()).boxed().toList());
        }
    }

    /**
     * SIGKILL of ingest after content went out, then a restart: ingest takes the request again, reads the answer so
     * far back from the tokens topic and asks the simulator to continue it (its {@code after-instance-loss} is
     * {@code continue}); the client gets exactly the undisturbed answer, every seq once, one {@code started} frame
     * and a {@code continued} frame where it went on, and the usage counts both calls.
     */
    @Test
    void shouldContinueTheAnswerWhereItStoppedWhenIngestIsKilledAfterContent() throws Exception {
        String prompt = "Tell a long story about Kafka partitions " + topicLayout();
        var params = new GenerationParams(300, null, 23L);
        String undisturbed = simulatorAnswer("sim-default", prompt, params);

        var started = client.create(StartStreamRequest.prompt("simulator", "sim-default", prompt, params));
        try (var recorder = new Recorder(client, started.ws(), -1)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> recorder.tokens() >= 5);
            stack.kill("ingest-service");
            long killedAfter = recorder.tokens();
            stack.restart("ingest-service");
            assertThat(recorder.subscription.awaitClose(Duration.ofSeconds(120))).isEqualTo(1000);

            List<DeliveryFrame> frames = recorder.frames;
            DeliveryFrame last = frames.get(frames.size() - 1);
            System.out.printf("ingest killed after %d tokens: the stream ended %s after %d tokens, continued %d "
                    + "times%n", killedAfter, last.type().wireName(), recorder.tokens(), frames.stream()
                    .filter(f -> f.type() == FrameType.CONTINUED).count());
            assertThat(frames).extracting(DeliveryFrame::seq)
                    .containsExactlyElementsOf(LongStream.range(0, frames.size()).boxed().toList());
            assertThat(frames).filteredOn(f -> f.type() == FrameType.STARTED).hasSize(1);
            assertThat(frames).filteredOn(f -> f.type() == FrameType.CONTINUED).hasSize(1);
            assertThat(last.type()).isEqualTo(FrameType.COMPLETED);
            assertThat(text(frames)).as("one answer: nothing lost, repeated or spliced").isEqualTo(undisturbed);
            assertThat(last.usage().outputTokens()).as("both calls' output (the second's alone is 300 less those "
                    + "delivered before)").isEqualTo(300);
        }
    }

    /**
     * SIGKILL of ingest before the stream's first token (the provider is slow to answer): the new attempt replaces
     * the old one and the client gets the whole answer, with one {@code started} frame.
     */
    @Test
    void shouldDeliverTheWholeAnswerWhenIngestIsKilledBeforeTheFirstToken() throws Exception {
        String prompt = "Explain consumer groups " + topicLayout();
        var params = new GenerationParams(40, null, 29L);
        String undisturbed = simulatorAnswer("sim-fast", prompt, params);

        var started = client.create(StartStreamRequest.prompt("simulator",
                "sim-fast?fault=slow-first-token&millis=20000&times=1", prompt, params));
        try (var recorder = new Recorder(client, started.ws(), -1)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> recorder.has(FrameType.STARTED));
            stack.kill("ingest-service");
            stack.restart("ingest-service");
            assertThat(recorder.subscription.awaitClose(Duration.ofSeconds(120))).isEqualTo(1000);

            List<DeliveryFrame> frames = recorder.frames;
            assertThat(frames).filteredOn(f -> f.type() == FrameType.STARTED).hasSize(1);
            assertThat(frames.get(frames.size() - 1).type()).isEqualTo(FrameType.COMPLETED);
            assertThat(text(frames)).isEqualTo(undisturbed);
        }
    }

    /**
     * SIGKILL of control-service while a stream runs, then a restart: the new instance, which keeps no history, knows
     * the stream from the processor's state and cancels it.
     */
    @Test
    void shouldControlAStreamStartedBeforeAControlServiceRestart() throws Exception {
        var buffered = new BufferedStreamHandler();
        // One token a second: the stream outlives the restart however slow the machine is.
        try (StreamSession session = client.start(StartStreamRequest.prompt("simulator", "sim-trickle",
                "Tell a long story about a restart", new GenerationParams(300, null, 41L)), buffered)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> buffered.tokenFrames() >= 2);
            stack.kill("control-service");
            stack.restart("control-service");

            assertThat(session.status().state()).isEqualTo(StreamState.STARTED);
            session.cancel();
            StreamResult result = session.awaitResult(Duration.ofSeconds(60));
            assertThat(result.state()).isEqualTo(StreamState.CANCELLED);
        }
    }

    /**
     * SIGTERM of ingest mid-stream, as a rollout sends it: ingest drains, the running stream finishes with exactly
     * the undisturbed text, and the instance exits; a new one takes over.
     */
    @Test
    void shouldFinishARunningStreamWhenIngestIsStoppedWithSigterm() throws Exception {
        String prompt = "Tell a story about a rollout " + topicLayout();
        var params = new GenerationParams(150, null, 37L);
        String undisturbed = simulatorAnswer("sim-default", prompt, params);
        var buffered = new BufferedStreamHandler();

        try (StreamSession session = client.start(StartStreamRequest.prompt("simulator", "sim-default", prompt, params),
                buffered)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> buffered.tokenFrames() >= 10);
            stack.terminate("ingest-service");
            StreamResult result = session.awaitResult(Duration.ofSeconds(60));

            assertThat(result.state()).isEqualTo(StreamState.COMPLETED);
            assertThat(result.text()).isEqualTo(undisturbed);
        } finally {
            stack.restart("ingest-service");
        }
    }

    /**
     * SIGKILL of the stream processor, of delivery-service, then of the broker, mid-stream, each restarted: the SDK
     * session reconnects with {@code after} and ends with exactly the undisturbed text. Prints the client's longest
     * silence.
     */
    @Test
    void shouldDeliverTheExactTextWhenTheProcessorDeliveryOrTheBrokerIsKilledMidStream() throws Exception {
        for (String process : List.of("stream-processor", "delivery-service", "kafka")) {
            String prompt = "Tell a long story about offsets " + process;
            var params = new GenerationParams(400, null, 31L);
            String undisturbed = simulatorAnswer("sim-default", prompt, params);
            var buffered = new BufferedStreamHandler();
            List<Long> arrivals = new CopyOnWriteArrayList<>();
            var timing = CallbackStreamHandler.builder().onToken((token, index) -> arrivals.add(System.nanoTime()))
                    .build();

            try (StreamSession session = client.start(StartStreamRequest.prompt("simulator", "sim-default", prompt, params),
                    buffered, timing)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> buffered.tokenFrames() >= 10);
                stack.kill(process);
                stack.restart(process);
                StreamResult result = session.awaitResult(Duration.ofSeconds(180));

                long silenceMillis = 0;
                for (int i = 1; i < arrivals.size(); i++) {
                    silenceMillis = Math.max(silenceMillis, (arrivals.get(i) - arrivals.get(i - 1)) / 1_000_000);
                }
                System.out.printf("%s killed mid-stream (%s layout): %s with %d tokens, the client's longest silence "
                        + "%d ms, %d reconnects%n", process, topicLayout(), result.state(), result.tokens(),
                        silenceMillis, session.reconnects());
                assertThat(result.state()).as(process).isEqualTo(StreamState.COMPLETED);
                assertThat(result.text()).as(process).isEqualTo(undisturbed);
            }
        }
    }

    @Test
    void shouldCoalesceTokensIntoWholeWordsWhenTheRequestAsksForIt() throws Exception {
        String prompt = "Explain Kafka partitions";
        var params = new GenerationParams(64, null, 11L);
        String expected = simulatorAnswer("sim-fast", prompt, params);

        var started = client.create(StartStreamRequest.prompt("simulator", "sim-fast", prompt, params)
                .withBuffering(new Buffering(Buffering.Mode.WORDS, null)));
        List<DeliveryFrame> frames = new CopyOnWriteArrayList<>();
        try (var subscription = client.subscribe(started.ws(), -1, frames::add)) {
            assertThat(subscription.awaitClose(Duration.ofSeconds(60))).isEqualTo(1000);
        }

        assertThat(text(frames)).isEqualTo(expected);
        int outputTokens = (int) awaitTerminalStats(started.streamId()).stats().outputTokens();
        List<DeliveryFrame> words = frames.stream().filter(DeliveryFrame::isToken).toList();
        assertThat(words).hasSizeLessThan(outputTokens);
        // Every frame after the first starts a new word.
        assertThat(words.subList(1, words.size())).allSatisfy(frame -> assertThat(frame.text()).matches("(?s)\\s.*"));
        assertThat(words.stream().mapToInt(DeliveryFrame::tokenCount).sum()).isEqualTo(outputTokens);
    }

    @Test
    void shouldPauseResumeAndCancelAStreamAndCloseTheUpstreamCall() throws Exception {
        var started = client.create(StartStreamRequest.prompt("simulator", "sim-fast", "Tell me a long story",
                new GenerationParams(2000, null, 5L)));
        String id = started.streamId();
        try (var recorder = new Recorder(client, started.ws(), -1)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> recorder.tokens() >= 10);

            client.pause(id);
            await().atMost(Duration.ofSeconds(10)).until(() -> recorder.has(FrameType.PAUSED));
            int atPause = recorder.frames.size();
            await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(4))
                    .until(() -> recorder.frames.size() == atPause);
            assertThat(client.status(id).state()).isEqualTo(StreamState.PAUSED);

            client.resume(id);
            await().atMost(Duration.ofSeconds(10)).until(() -> recorder.frames.size() > atPause + 40);
            assertThat(recorder.frames.get(atPause).type()).isEqualTo(FrameType.RESUMED);

            client.cancel(id);
            assertThat(recorder.subscription.awaitClose(Duration.ofSeconds(10))).isEqualTo(1000);
            List<DeliveryFrame> frames = new ArrayList<>(recorder.frames);
            assertThat(frames.get(frames.size() - 1).type()).isEqualTo(FrameType.CANCELLED);
            assertThat(frames).extracting(DeliveryFrame::seq)
                    .containsExactlyElementsOf(LongStream.range(0, frames.size()).boxed().toList());
        }

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(simulatorStats().path("openStreams").asInt()).isZero());
        assertThat(simulatorStats().path("streamsClosedByClient").asInt()).isPositive();
        var status = awaitTerminalStats(id);
        assertThat(status.state()).isEqualTo(StreamState.CANCELLED);
        assertThat(status.stats().pausedMillis()).isGreaterThanOrEqualTo(1500.0);
        assertThat(assertRefused(() -> client.resume(id))).isEqualTo(409);
    }

    @Test
    void shouldStreamThroughTheSimulatorsAnthropicAndOpenAiEndpointsFromTheCli() throws Exception {
        String prompt = "Explain consumer groups";
        String expected = simulatorAnswer("sim-fast", prompt, new GenerationParams(40, null, 0L));

        Cli openai = cli("stream", "--provider", "openai", "--model", "sim-fast", "--max-tokens", "40", "--seed", "0",
                prompt);
        Cli anthropic = cli("stream", "--provider", "anthropic", "--model", "sim-fast", "--max-tokens", "40", prompt);
        Cli thinkingTool = cli("stream", "--provider", "anthropic", "--model", "sim-fast", "--max-tokens", "200",
                "--reasoning-budget", "256", "--tool", "get_weather", "weather in Oslo");

        assertThat(openai.exit).as(openai.err).isZero();
        assertThat(openai.out.strip()).isEqualTo(expected.strip());
        assertThat(anthropic.exit).as(anthropic.err).isZero();
        assertThat(anthropic.out.strip()).isEqualTo(expected.strip());
        assertThat(thinkingTool.exit).as(thinkingTool.err).isZero();
        assertThat(thinkingTool.out).startsWith("[reasoning] ")
                .contains("[tool call get_weather {\"query\":\"weather in Oslo\"}]");
    }

    @Test
    void shouldDeliverReasoningAndToolCallFramesAndEndMidStreamFaultsAsFailedFrames() throws Exception {
        var params = new GenerationParams(200, null, null, 256, List.of(new dev.tokenstream.events.ToolDefinition(
                "get_weather", null, null)));
        var started = client.create(StartStreamRequest.prompt("anthropic", "sim-fast", "weather in Oslo", params));
        List<DeliveryFrame> frames = new CopyOnWriteArrayList<>();
        try (var subscription = client.subscribe(started.ws(), -1, frames::add)) {
            assertThat(subscription.awaitClose(Duration.ofSeconds(60))).isEqualTo(1000);
        }
        assertThat(frames).extracting(DeliveryFrame::type).contains(FrameType.REASONING, FrameType.TOOL_CALL);
        ToolCall whole = frames.stream().filter(f -> f.type() == FrameType.TOOL_CALL && f.toolCall().complete())
                .findFirst().orElseThrow().toolCall();
        assertThat(whole.id()).startsWith("toolu_");
        assertThat(whole.arguments()).isEqualTo("{\"query\":\"weather in Oslo\"}");
        assertThat(frames.get(frames.size() - 1).finishReason()).isEqualTo("tool_use");

        var failing = client.create(StartStreamRequest.prompt("openai", "sim-fast?fault=midstream-error&after=3",
                "fail me", new GenerationParams(50, null, 1L)));
        List<DeliveryFrame> failed = new CopyOnWriteArrayList<>();
        try (var subscription = client.subscribe(failing.ws(), -1, failed::add)) {
            assertThat(subscription.awaitClose(Duration.ofSeconds(60))).isEqualTo(1000);
        }
        DeliveryFrame last = failed.get(failed.size() - 1);
        assertThat(last.type()).isEqualTo(FrameType.FAILED);
        assertThat(last.error().code()).isEqualTo("upstream_error");
        assertThat(last.error().providerCode()).isEqualTo("server_error");
        assertThat(failed.stream().filter(DeliveryFrame::isToken).mapToLong(DeliveryFrame::tokenCount).sum())
                .isEqualTo(3);

        var retried = client.create(StartStreamRequest.prompt("anthropic", "sim-fast?fault=rate-limited&retry-after=1&times=1",
                "retry me", new GenerationParams(20, null, null)));
        assertThat(client.subscribe(retried.ws(), -1, f -> { }).awaitClose(Duration.ofSeconds(60))).isEqualTo(1000);
        assertThat(awaitTerminalStats(retried.streamId()).state()).isEqualTo(StreamState.COMPLETED);
    }

    @Test
    void shouldCloseAStalledAnthropicUpstreamConnectionOnCancel() throws Exception {
        var started = client.create(StartStreamRequest.prompt("anthropic", "sim-fast?fault=stall&after=3&seconds=60",
                "stall for a minute", new GenerationParams(200, null, null)));
        try (var recorder = new Recorder(client, started.ws(), -1)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> recorder.tokens() >= 3);
            await().atMost(Duration.ofSeconds(5)).until(() -> simulatorStats().path("openStreams").asInt() == 1);

            long sent = System.nanoTime();
            client.cancel(started.streamId());
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                    .until(() -> simulatorStats().path("openStreams").asInt() == 0);
            System.out.printf("cancel accepted -> simulator saw the stalled connection closed: %.0f ms%n",
                    (System.nanoTime() - sent) / 1e6);
            assertThat(recorder.subscription.awaitClose(Duration.ofSeconds(10))).isEqualTo(1000);
        }
        assertThat(awaitTerminalStats(started.streamId()).stats().usage().outputTokens()).isEqualTo(3);
    }

    @Test
    void shouldRaceAFastAndASlowModelAndCloseTheSlowOnesUpstreamConnection() throws Exception {
        String prompt = "Explain partition leaders";
        var params = new GenerationParams(60, null, 5L);
        String expected = simulatorAnswer("sim-fast", prompt, params);
        int closedBefore = simulatorStats().path("streamsClosedByClient").asInt();

        long begin = System.nanoTime();
        var started = client.create(StartStreamRequest.group(MergeMode.RACE, List.of(new Target("simulator", "sim-slow"),
                new Target("simulator", "sim-fast")), prompt, params));
        String slow = Merge.memberId(started.streamId(), 0);
        try (var recorder = new Recorder(client, started.ws(), -1)) {
            assertThat(recorder.subscription.awaitClose(Duration.ofSeconds(30))).isEqualTo(1000);
            assertThat(text(recorder.frames)).isEqualTo(expected);
            assertThat(recorder.frames).filteredOn(DeliveryFrame::isToken)
                    .allSatisfy(f -> assertThat(f.member()).isEqualTo(1));
        }
        // sim-slow needs 1.2 s to its first token and 80 ms a token after: it was cut off long before its end.
        await().atMost(Duration.ofSeconds(5)).until(() -> simulatorStats().path("openStreams").asInt() == 0);
        System.out.printf("race: the fast model's answer delivered and the slow upstream closed within %.0f ms%n",
                (System.nanoTime() - begin) / 1e6);
        assertThat(simulatorStats().path("streamsClosedByClient").asInt() - closedBefore).isGreaterThanOrEqualTo(1);
        TokenstreamClient.Status group = awaitTerminalStats(started.streamId());
        assertThat(group.stats().state()).isEqualTo(StreamState.COMPLETED);
        assertThat(group.stats().model()).isEqualTo("sim-fast");
        assertThat(awaitTerminalStats(slow).stats().state()).isEqualTo(StreamState.CANCELLED);
    }

    @Test
    void shouldCompareTwoModelsFromTheCliWithAComparisonTable() {
        Cli compare = cli("stream", "--target", "simulator/sim-fast", "--target", "anthropic/sim-fast", "--merge",
                "compare", "--max-tokens", "30", "Compare log compaction and retention");

        assertThat(compare.exit).as(compare.err).isZero();
        assertThat(compare.out).contains("[target 0] ").contains("[target 1] ")
                .containsPattern("(?m)^0 +simulator/sim-fast +completed ")
                .containsPattern("(?m)^1 +anthropic/sim-fast +completed .* 1\\.00 ");
    }

    @Test
    void shouldKeepTheExactTextAcrossFiveReconnectionsOfTheClientSdk() throws Exception {
        String prompt = "Tell me a long story about offsets";
        var params = new GenerationParams(400, null, 3L);
        String expected = simulatorAnswer("sim-fast", prompt, params);
        var buffered = new BufferedStreamHandler();
        List<String> completed = new CopyOnWriteArrayList<>();
        var failing = CallbackStreamHandler.builder().onToken((token, index) -> {
            throw new IllegalStateException("a handler bug");
        }).onComplete(completed::add).build();

        try (StreamSession session = client.start(StartStreamRequest.prompt("simulator", "sim-fast", prompt, params),
                failing, buffered)) {
            for (int i = 1; i <= 5; i++) {
                long atLeast = i * 20L;
                await().atMost(Duration.ofSeconds(30)).until(() -> buffered.tokenFrames() >= atLeast);
                session.reconnect();
            }
            StreamResult result = session.awaitResult(Duration.ofSeconds(60));

            assertThat(result.state()).isEqualTo(StreamState.COMPLETED);
            assertThat(result.text()).isEqualTo(expected);
            assertThat(buffered.text()).isEqualTo(expected);
            assertThat(completed).containsExactly(expected);
            assertThat(session.handlerErrors()).isEqualTo(result.tokenFrames());
        }
    }

    @Test
    void shouldPauseResumeAndCancelThroughAStreamSession() throws Exception {
        var buffered = new BufferedStreamHandler();
        List<String> started = new CopyOnWriteArrayList<>();
        List<String> ended = new CopyOnWriteArrayList<>();
        var callbacks = CallbackStreamHandler.builder().onStart(m -> started.add(m.streamId()))
                .onComplete(ended::add).build();

        try (StreamSession session = client.start(StartStreamRequest.prompt("simulator", "sim-fast", "Tell me a long story",
                new GenerationParams(2000, null, 9L)), buffered, callbacks)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> buffered.tokenFrames() >= 5);
            session.pause();
            await().atMost(Duration.ofSeconds(10)).until(() -> session.status().state() == StreamState.PAUSED);
            session.resume();
            await().atMost(Duration.ofSeconds(10)).until(() -> session.status().state() == StreamState.STARTED);
            session.cancel();
            StreamResult result = session.awaitResult(Duration.ofSeconds(30));

            assertThat(result.state()).isEqualTo(StreamState.CANCELLED);
            assertThat(result.text()).isEqualTo(buffered.text()).isNotEmpty();
            assertThat(started).containsExactly(session.metadata().streamId());
            assertThat(ended).containsExactly(result.text());
            assertThat(session.handlerErrors()).isZero();
        }
    }

    @Test
    void shouldServeTheOfficialOpenAiNodeSdkThroughTheChatCompletionsFacadeAndCancelWhenItGoesAway() throws Exception {
        Path node = nodeModules();
        String prompt = "Explain consumer groups";
        String expected = simulatorAnswer("sim-fast", prompt, new GenerationParams(48, null, 5L));

        Output output = ExternalCommand.run(node, Duration.ofMinutes(2), Map.of("TOKENSTREAM_API_KEY",
                stack.credentials().apiKey()), "node", "facade.mjs", stack.settings().deliveryUrl() + "/v1",
                "simulator/sim-fast", prompt, "5", "48", "simulator/sim-slow", stack.settings().controlUrl());

        assertThat(output.exit()).as(output.text()).isZero();
        JsonNode result = Json.MAPPER.readTree(output.text().strip().lines().reduce((a, b) -> b).orElseThrow());
        assertThat(result.path("text").asText()).isEqualTo(expected);
        assertThat(result.path("completionText").asText()).isEqualTo(expected);
        assertThat(result.path("finishReason").asText()).isIn("stop", "length");
        assertThat(result.path("usage").path("completion_tokens").asInt()).isPositive();
        assertThat(result.path("chunks").asInt()).isGreaterThan(2);
        assertThat(result.path("reasoning").asText()).as("reasoning_effort: the model's reasoning").isNotBlank();
        assertThat(result.path("reasonedText").asText()).isNotBlank();
        assertThat(result.path("errorStatus").asInt()).isEqualTo(400);
        assertThat(result.path("wrongKeyStatus").asInt()).isEqualTo(401);
        assertThat(result.path("toolName").asText()).isEqualTo("get_weather");
        assertThat(Json.MAPPER.readTree(result.path("toolArguments").asText()).path("query").asText())
                .isEqualTo("weather in Oslo");
        assertThat(result.path("toolFinishReason").asText()).isEqualTo("tool_calls");
        assertThat(result.path("afterToolText").asText()).as("answered in text after the tool's result")
                .isNotBlank();
        assertThat(result.path("afterToolCalls").isNull()).isTrue();
        // Chat Completions has no resume: the client that went away after three chunks had its stream cancelled.
        String abandoned = result.path("abandonedStreamId").asText();
        assertThat(result.path("abandonedAfterChunks").asInt()).isEqualTo(3);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(client.status(abandoned).state()).isEqualTo(StreamState.CANCELLED));
        // How soon the provider's connection closed after the client went away: a figure, not a timed assertion.
        HttpResponse<String> closed = HTTP.send(HttpRequest.newBuilder(URI.create(stack.settings().simulatorUrl()
                + "/simulator/closed?prompt=" + URLEncoder.encode(result.path("abandonedPrompt").asText(),
                StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(closed.statusCode()).as("the provider's connection was closed").isEqualTo(200);
        long closedAt = Json.MAPPER.readTree(closed.body()).path("closedByClientAtMillis").asLong();
        assertThat(closedAt).isGreaterThanOrEqualTo(result.path("abandonedAtMillis").asLong());
        System.out.printf("chat completions: the upstream connection closed %d ms after the client went away%n",
                closedAt - result.path("abandonedAtMillis").asLong());
        // Cancelled by another party through the control API: the SDK raises the facade's error, no finish reason.
        assertThat(result.path("cancelledChunks").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(result.path("cancelledFinishReason").isNull()).as(result.toString()).isTrue();
        assertThat(result.path("cancelledError").path("name").asText()).isEqualTo("APIError");
        assertThat(result.path("cancelledError").path("code").asText()).isEqualTo("cancelled");
    }

    @Test
    void shouldSendTheProviderTheWholeConversationOfAJavaSdkSessionWithACancelledAnswerMarked() throws Exception {
        Conversation session = client.conversation("simulator", "sim-fast",
                new GenerationParams(120, null, 4L));
        String nonce = UUID.randomUUID().toString();

        StreamResult first = session.send("What is a consumer group? " + nonce, new BufferedStreamHandler())
                .awaitResult(Duration.ofSeconds(30));
        var partial = new BufferedStreamHandler();
        StreamResult second;
        try (StreamSession turn = session.send("Tell me a long story " + nonce, partial)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> partial.tokenFrames() >= 5);
            turn.cancel();
            second = turn.awaitResult(Duration.ofSeconds(30));
        }
        String third = "Shorter, please " + nonce;
        StreamResult last = session.send(third, new BufferedStreamHandler()).awaitResult(Duration.ofSeconds(30));

        assertThat(first.state()).isEqualTo(StreamState.COMPLETED);
        assertThat(second.state()).isEqualTo(StreamState.CANCELLED);
        assertThat(second.text()).isNotEmpty();
        assertThat(last.state()).isEqualTo(StreamState.COMPLETED);
        JsonNode received = simulatorReceived(third);
        List<String> messages = new ArrayList<>();
        received.path("messages").forEach(m -> messages.add(m.path("role").asText() + ": "
                + m.path("content").asText()));
        assertThat(messages).as("the provider got the whole conversation, the cancelled answer marked").containsExactly(
                "user: What is a consumer group? " + nonce,
                "assistant: " + first.text(),
                "user: Tell me a long story " + nonce,
                "assistant: " + second.text() + "\n\n" + SessionTurn.CANCELLED_MARK,
                "user: " + third);
        assertThat(session.turns()).extracting(SessionTurn::outcome)
                .containsExactly(StreamState.COMPLETED, StreamState.CANCELLED, StreamState.COMPLETED);
    }

    @Test
    void shouldServeTheOpenAiNodeSdksResponsesWithResumeAfterACutAndCancelThatReachesTheProvider()
            throws Exception {
        Path node = nodeModules();
        String prompt = "Explain partitions";
        String expected = simulatorAnswer("sim-fast", prompt, new GenerationParams(48, null, 0L));
        int closedBefore = simulatorStats().path("streamsClosedByClient").asInt();

        Output output = ExternalCommand.run(node, Duration.ofMinutes(2), Map.of("TOKENSTREAM_API_KEY",
                stack.credentials().apiKey()), "node", "responses.mjs", stack.settings().deliveryUrl() + "/v1",
                "simulator/sim-fast", prompt, "48", "simulator/sim-slow");

        assertThat(output.exit()).as(output.text()).isZero();
        JsonNode result = Json.MAPPER.readTree(output.text().strip().lines().reduce((a, b) -> b).orElseThrow());
        JsonNode streamed = result.path("streamed");
        assertThat(streamed.path("text").asText()).isEqualTo(expected);
        assertThat(streamed.path("outputText").asText()).isEqualTo(expected);
        assertThat(streamed.path("status").asText()).isIn("completed", "incomplete");
        List<Integer> sequence = new ArrayList<>();
        streamed.path("sequence").forEach(n -> sequence.add(n.asInt()));
        assertThat(sequence).as("numbered from 0, one more per event")
                .isEqualTo(IntStream.range(0, sequence.size()).boxed().toList());
        assertThat(streamed.path("types").get(0).asText()).isEqualTo("response.created");
        assertThat(result.path("whole").path("outputText").asText()).isEqualTo(expected);
        assertThat(result.path("whole").path("outputTokens").asInt()).isPositive();

        JsonNode reasoned = result.path("reasoned");
        assertThat(reasoned.path("reasoning").asText()).as("reasoning.effort: the model's reasoning").isNotBlank();
        assertThat(reasoned.path("calls").get(0).path("name").asText()).isEqualTo("get_weather");
        assertThat(Json.MAPPER.readTree(reasoned.path("calls").get(0).path("arguments").asText()).path("query")
                .asText()).isEqualTo(reasoned.path("prompt").asText());
        // function_call_output after previous_response_id: the provider got the call and its output, and answered.
        assertThat(reasoned.path("afterToolTypes")).extracting(JsonNode::asText).containsExactly("message");
        assertThat(reasoned.path("afterToolText").asText()).isNotBlank();
        assertToolResultSent(reasoned.path("prompt").asText(), "12 degrees and rain");

        // Cut after 12 events, resumed with starting_after: the numbers go on with no gap and no repeat, and the
        // text read in two parts is the text of the response retrieved whole.
        JsonNode background = result.path("background");
        List<Integer> numbers = new ArrayList<>();
        background.path("firstSequence").forEach(n -> numbers.add(n.asInt()));
        background.path("restSequence").forEach(n -> numbers.add(n.asInt()));
        assertThat(background.path("firstSequence")).hasSize(12);
        assertThat(numbers).isEqualTo(IntStream.range(0, numbers.size()).boxed().toList());
        assertThat(background.path("status").asText()).isIn("completed", "incomplete");
        assertThat(background.path("text").asText()).isNotBlank()
                .isEqualTo(background.path("retrievedText").asText());
        assertThat(client.status(background.path("id").asText().substring("resp_".length())).state())
                .as("a background response's cut connection does not cancel it").isEqualTo(StreamState.COMPLETED);

        JsonNode cancel = result.path("cancel");
        assertThat(cancel.path("queuedStatus").asText()).isEqualTo("queued");
        assertThat(cancel.path("eventsBefore").asInt()).isEqualTo(8);
        assertThat(cancel.path("status").asText()).isEqualTo("cancelled");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(simulatorStats().path("streamsClosedByClient").asInt() - closedBefore)
                        .as("responses.cancel closed the provider's connection").isGreaterThanOrEqualTo(1));
        assertThat(result.path("notFoundStatus").asInt()).isEqualTo(404);

        // previous_response_id: the third turn's provider got the conversation, the cancelled answer marked.
        JsonNode conversation = result.path("conversation");
        assertThat(conversation.path("statuses")).extracting(JsonNode::asText)
                .satisfiesExactly(status -> assertThat(status).isIn("completed", "incomplete"),
                        status -> assertThat(status).isEqualTo("cancelled"),
                        status -> assertThat(status).isIn("completed", "incomplete"));
        List<String> sent = new ArrayList<>();
        simulatorReceived(conversation.path("turns").get(2).asText()).path("messages").forEach(m ->
                sent.add(m.path("role").asText() + ": " + m.path("content").asText()));
        JsonNode turns = conversation.path("turns");
        JsonNode answers = conversation.path("answers");
        assertThat(answers.get(1).asText()).isNotEmpty();
        assertThat(sent).containsExactly("user: " + turns.get(0).asText(), "assistant: " + answers.get(0).asText(),
                "user: " + turns.get(1).asText(),
                "assistant: " + answers.get(1).asText() + "\n\n" + SessionTurn.CANCELLED_MARK,
                "user: " + turns.get(2).asText());
    }

    @Test
    void shouldServeTheAiSdksChatTransportWithResumeAfterACutAndStopThatCancels() throws Exception {
        Path node = nodeModules();
        String story = "Tell a long story " + UUID.randomUUID();
        String expected = simulatorAnswer("sim-slow", story, new GenerationParams(60, null, 0L));
        int closedBefore = simulatorStats().path("streamsClosedByClient").asInt();

        Output output = ExternalCommand.run(node, Duration.ofMinutes(2), Map.of("TOKENSTREAM_API_KEY",
                stack.credentials().apiKey()), "node", "ai-sdk.mjs", stack.settings().deliveryUrl()
                + "/v1/ai-sdk/chat", "simulator/sim-fast", "simulator/sim-slow", story);

        assertThat(output.exit()).as(output.text()).isZero();
        JsonNode result = Json.MAPPER.readTree(output.text().strip().lines().reduce((a, b) -> b).orElseThrow());
        JsonNode tool = result.path("tool");
        assertThat(tool.path("reasoning").asText()).isNotBlank();
        assertThat(tool.path("type").asText()).isEqualTo("tool-get_weather");
        assertThat(tool.path("state").asText()).isEqualTo("input-available");
        assertThat(tool.path("input").path("query").asText()).isEqualTo(tool.path("prompt").asText());
        assertThat(tool.path("afterToolText").asText()).as("the chat went on with the tool's output").isNotBlank();
        assertToolResultSent(tool.path("prompt").asText(), "{\"temperature\":12,\"sky\":\"rain\"}");

        // Cut after five deltas, resumed: the AI SDK's message is the whole answer, nothing lost or repeated.
        JsonNode cut = result.path("story");
        assertThat(cut.path("textBeforeCut").asText()).isNotEmpty();
        assertThat(expected).startsWith(cut.path("textBeforeCut").asText());
        assertThat(cut.path("resumedText").asText()).isEqualTo(expected);
        assertThat(client.status(cut.path("streamId").asText()).state()).isEqualTo(StreamState.COMPLETED);
        List<String> sent = new ArrayList<>();
        simulatorReceived(cut.path("followUp").asText()).path("messages").forEach(m ->
                sent.add(m.path("role").asText() + ": " + m.path("content").asText()));
        assertThat(sent).as("the chat's second turn carried the first").containsExactly("user: " + story,
                "assistant: " + expected, "user: " + cut.path("followUp").asText());
        assertThat(cut.path("followUpText").asText()).isNotBlank();
        // Regenerated: the provider got the same conversation again, not the first follow-up's answer after it.
        assertThat(cut.path("regeneratedText").asText()).isNotBlank();
        assertThat(cut.path("regeneratedStreamId").asText()).isNotEqualTo(cut.path("followUpStreamId").asText());
        assertThat(simulatorReceived(cut.path("followUp").asText()).path("messages")).hasSize(3);

        // Stopped, not resumed: cancelled after the resume grace, the provider's connection closed.
        String stopped = result.path("stopped").path("streamId").asText();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(client.status(stopped).state()).isEqualTo(StreamState.CANCELLED));
        // The state is the processor's; the upstream call is closed by ingest, which reads the same cancel on its own.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                simulatorStats().path("streamsClosedByClient").asInt() - closedBefore).isGreaterThanOrEqualTo(1));
        assertThat(result.path("emptyResume").isNull()).as("a chat of no turn: 204").isTrue();
    }

    @Test
    void shouldDriveTheBrowserPageInHeadlessChromiumWithoutLosingTokens() throws Exception {
        Path node = nodeModules();
        String chromium = chromium();
        Path screenshot = home.resolve("system-tests/target/page.png");

        Output output = ExternalCommand.run(node, Duration.ofMinutes(2), Map.of("CHROMIUM_PATH", chromium), "node",
                "page.mjs", stack.settings().deliveryUrl() + "/#key=" + stack.credentials().apiKey(),
                screenshot.toString());

        assertThat(output.exit()).as(output.text()).isZero();
        JsonNode page = Json.MAPPER.readTree(output.text().strip().lines().reduce((a, b) -> b).orElseThrow());
        assertThat(page.path("tokensWhilePaused").asInt()).isZero();
        assertThat(page.path("stateAfterResume").asText()).isEqualTo("started");
        assertThat(page.path("state").asText()).isEqualTo("cancelled");
        assertThat(page.path("reconnects").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(page.path("ttft").asText()).endsWith(" ms");
        assertThat(page.path("rate").asText()).matches("\\d+\\.\\d");
        assertThat(screenshot).exists();
        // A reasoning effort and the get_weather tool: the reasoning shown collapsed, the call whole.
        JsonNode thinking = page.path("thinking");
        assertThat(thinking.path("shown").asBoolean()).as(thinking.toString()).isTrue();
        assertThat(thinking.path("open").asBoolean()).as("collapsed until opened").isFalse();
        assertThat(thinking.path("reasoning").asText()).isNotBlank();
        assertThat(thinking.path("toolCalls")).hasSize(1);
        assertThat(thinking.path("toolCalls").get(0).asText()).isEqualTo("get_weather({\"query\":\"weather in Oslo\"})");
        // Everything delivered, read afresh from the start: the page lost no token across its reconnection.
        List<DeliveryFrame> frames = new CopyOnWriteArrayList<>();
        String id = page.path("streamId").asText();
        try (var all = client.subscribe(client.links(id).ws(), -1, frames::add)) {
            assertThat(all.awaitClose(Duration.ofSeconds(10))).isEqualTo(1000);
        }
        assertThat(page.path("text").asText()).isEqualTo(text(frames));
    }

    @Test
    void shouldPublishAValidAsyncApiDocument() throws Exception {
        Output output = run(nodeModules(), "node", "asyncapi.mjs", home.resolve("docs/asyncapi.yaml").toString());

        assertThat(output.exit()).as(output.text()).isZero();
        JsonNode result = Json.MAPPER.readTree(output.text().strip().lines().reduce((a, b) -> b).orElseThrow());
        assertThat(result.path("valid").asBoolean()).isTrue();
        assertThat(result.path("channels").asInt()).isEqualTo(8);
    }

    /** @return the node project of the tests, with its packages installed (npm ci, from the lock file) */
    private static Path nodeModules() {
        return ExternalCommand.npmInstalled(home.resolve("system-tests/src/test/node"),
                List.of("openai", "ai", "playwright-core", "@asyncapi/parser"));
    }

    /** @return Debian's chromium, installed with apt-get when missing */
    private static String chromium() {
        return ExternalCommand.debianInstalled("chromium", Path.of("/usr/bin/chromium")).toString();
    }

    private static Output run(Path directory, String... command) {
        return ExternalCommand.run(directory, Duration.ofMinutes(2), Map.of(), command);
    }

    @Test
    void shouldKeepEveryEntranceClosedToStrangersAndEachTenantsStreamsToItself() throws Exception {
        String id = client.create(StartStreamRequest.prompt("simulator", "sim-slow", "our secret plans", null)).streamId();
        String control = stack.settings().controlUrl();
        String delivery = stack.settings().deliveryUrl();
        String body = "{\"provider\":\"simulator\",\"model\":\"sim-fast\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hi\"}]}";
        // Nobody anonymous at any entrance: control, SSE, the facade, the processor's queries, the WebSocket.
        for (HttpRequest anonymous : List.of(
                post(control + "/v1/streams", body), get(control + "/v1/streams/" + id),
                post(control + "/v1/streams/" + id + "/cancel", ""), get(delivery + "/v1/streams/" + id + "/events"),
                post(delivery + "/v1/chat/completions", "{\"model\":\"sim-fast\",\"messages\":[]}"),
                get(stack.settings().processorUrl() + "/v1/streams/" + id + "/stats"))) {
            HttpResponse<String> response = HTTP.send(anonymous, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(anonymous.uri().toString()).isEqualTo(401);
            assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
        }
        assertThatThrownBy(() -> HTTP.newWebSocketBuilder().buildAsync(URI.create(delivery.replace("http", "ws")
                + "/v1/streams/" + id + "/ws"), new java.net.http.WebSocket.Listener() { }).join())
                .hasCauseInstanceOf(java.net.http.WebSocketHandshakeException.class);

        // A second tenant, its key made with the CLI as an operator would: it sees nothing of the first's.
        Cli created = cli("keys", "create", "--tenant", "acme");
        assertThat(created.exit()).as(created.err()).isZero();
        String acmeKey = created.out().strip().lines().reduce((a, b) -> b).orElseThrow();
        var acme = new TokenstreamClient(URI.create(control), acmeKey);
        String acmeStream = await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> acme.create(
                StartStreamRequest.prompt("simulator", "sim-fast", "acme's own", null)).streamId(), s -> true);
        for (Runnable call : List.<Runnable>of(() -> acme.status(id), () -> acme.cancel(id), () -> acme.links(id),
                () -> acme.create(StartStreamRequest.prompt("replay:" + id, "replay", "again", null)),
                () -> client.status(acmeStream))) {
            assertThatThrownBy(call::run).isInstanceOfSatisfying(TokenstreamException.class,
                    e -> assertThat(e.status()).isEqualTo(404));
        }
        // Revoked: refused everywhere within a poll.
        String keyId = acmeKey.split("_")[1];
        assertThat(cli("keys", "revoke", keyId).exit()).isZero();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThatThrownBy(() -> acme.status(acmeStream))
                .isInstanceOfSatisfying(TokenstreamException.class, e -> assertThat(e.status()).isEqualTo(401)));
        assertThat(cli("keys", "list").out()).containsPattern(keyId + " +acme +tenant .* yes");
        client.cancel(id);
    }

    @Test
    void shouldHoldATenantToItsQuotaAcrossTheStackAndLetItGoOnWhenItsStreamEnds() throws Exception {
        // Tenant "limited" may run one stream at a time (the local stack's setting), counted by the processor.
        Cli created = cli("keys", "create", "--tenant", "limited");
        assertThat(created.exit()).as(created.err()).isZero();
        var limited = new TokenstreamClient(URI.create(stack.settings().controlUrl()),
                created.out().strip().lines().reduce((a, b) -> b).orElseThrow());
        StartStreamRequest slow = StartStreamRequest.prompt("simulator", "sim-slow", "a long story", new GenerationParams(400, null,
                1L));
        String first = await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> limited.create(slow)
                .streamId(), s -> true);
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> limited.status(first) != null);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThatThrownBy(() -> limited.create(slow))
                .isInstanceOfSatisfying(TokenstreamException.class, e -> {
                    assertThat(e.status()).isEqualTo(429);
                    assertThat(e.getMessage()).contains("at most 1 at once");
                }));
        HttpResponse<String> refused = HTTP.send(HttpRequest.newBuilder(URI.create(stack.settings().controlUrl()
                        + "/v1/streams")).header("Authorization", "Bearer " + created.out().strip().lines()
                        .reduce((a, b) -> b).orElseThrow()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(slow))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");

        limited.cancel(first);
        String second = await().atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() -> limited.create(slow)
                .streamId(), s -> true);
        assertThat(second).isNotEqualTo(first);
        limited.cancel(second);
    }

    private static HttpRequest get(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build();
    }

    private static HttpRequest post(String url, String body) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    @Test
    void shouldAnswerProblemDetailsForUnknownStreamsAndRequestsNoIngestCouldServe() {
        String unknown = UUID.randomUUID().toString();
        assertThat(assertRefused(() -> client.status(unknown))).isEqualTo(404);
        assertThat(assertRefused(() -> client.pause(unknown))).isEqualTo(404);
        assertThat(assertRefused(() -> client.status("no-such-stream"))).as("not a stream id").isEqualTo(400);
        // The catalog ingest published: an unknown provider is refused before anything is written.
        assertThat(assertRefused(() -> client.start(StartStreamRequest.prompt("nope", "m", "hi", GenerationParams.DEFAULTS),
                new BufferedStreamHandler()))).isEqualTo(400);
    }

    private static int assertRefused(Runnable call) {
        try {
            call.run();
        } catch (TokenstreamException e) {
            return e.status();
        }
        throw new AssertionError("the call was not refused");
    }

    /** Runs the CLI in this JVM against the stack, with the tokens it prints to standard output captured. */
    private static synchronized Cli cli(String... args) {
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.StringWriter();
        PrintStream original = System.out;
        int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            var commandLine = dev.tokenstream.cli.TokenstreamCli.commandLine();
            commandLine.setErr(new java.io.PrintWriter(err, true));
            List<String> all = new ArrayList<>(List.of(args));
            all.add("--control-url=" + stack.settings().controlUrl());
            all.add("--api-key=" + stack.credentials().apiKey());
            all.add("--bootstrap-servers=" + stack.settings().bootstrapServers());
            exit = commandLine.execute(all.toArray(String[]::new));
        } finally {
            System.setOut(original);
        }
        return new Cli(exit, out.toString(StandardCharsets.UTF_8), err.toString());
    }

    private record Cli(int exit, String out, String err) {
    }

    private static TokenstreamClient.Status awaitTerminalStats(String id) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> client.status(id),
                s -> s.stats() != null && s.stats().state().isTerminal());
    }

    /** Asks the simulator directly (no streaming) for the answer it generates for these inputs. */
    private static String simulatorAnswer(String model, String prompt, GenerationParams params) throws Exception {
        return SystemTests.simulatorAnswer(stack, model, prompt, params);
    }

    /**
     * Asserts that the simulator's latest request of {@code prompt} was the conversation of a tool call and its
     * {@code result}: the user's message, the assistant's call of get_weather, the tool's result.
     */
    private static void assertToolResultSent(String prompt, String result) throws Exception {
        JsonNode messages = simulatorReceived(prompt).path("messages");
        assertThat(messages).extracting(m -> m.path("role").asText()).containsExactly("user", "assistant", "tool");
        assertThat(messages.get(1).path("tool_calls").get(0).path("function").path("name").asText())
                .isEqualTo("get_weather");
        assertThat(messages.get(2).path("tool_call_id").asText())
                .isEqualTo(messages.get(1).path("tool_calls").get(0).path("id").asText());
        assertThat(messages.get(2).path("content").asText()).isEqualTo(result);
    }

    /** @return what the simulator's latest request ending with user message {@code prompt} sent */
    private static JsonNode simulatorReceived(String prompt) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stack.settings().simulatorUrl()
                + "/simulator/received?prompt=" + URLEncoder.encode(prompt, StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Json.MAPPER.readTree(response.body());
    }

    private static JsonNode simulatorStats() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create(stack.settings().simulatorUrl() + "/simulator/stats")).build(),
                HttpResponse.BodyHandlers.ofString());
        return Json.MAPPER.readTree(response.body());
    }

    private static String text(List<DeliveryFrame> frames) {
        return frames.stream().filter(DeliveryFrame::isToken).map(DeliveryFrame::text).collect(Collectors.joining());
    }


    /** Records a stream's frames from its WebSocket. */
    private static final class Recorder implements AutoCloseable {
        final List<DeliveryFrame> frames = new CopyOnWriteArrayList<>();
        /** When each token frame arrived, epoch microseconds. */
        final List<Long> receivedAtMicros = new CopyOnWriteArrayList<>();
        final TokenstreamClient.Subscription subscription;

        Recorder(TokenstreamClient client, URI ws, long after) {
            subscription = client.subscribe(ws, after, frame -> {
                if (frame.isToken()) {
                    receivedAtMicros.add(Micros.now());
                }
                frames.add(frame);
            });
        }

        long tokens() {
            return frames.stream().filter(DeliveryFrame::isToken).mapToLong(DeliveryFrame::tokenCount).sum();
        }

        boolean has(FrameType type) {
            return frames.stream().anyMatch(f -> f.type() == type);
        }

        @Override
        public void close() {
            subscription.close();
        }
    }
}
