package dev.tokenstream.processor.streams;

import dev.tokenstream.events.Buffering;
import dev.tokenstream.events.StreamRequest;
import dev.tokenstream.events.ChatMessage;
import dev.tokenstream.events.ControlAction;
import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.ErrorInfo;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.StreamStats;
import dev.tokenstream.events.TenantUsage;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.ToolCall;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.Usage;
import dev.tokenstream.events.serde.DeliveryFrameRecords;
import dev.tokenstream.events.serde.JsonSerde;
import dev.tokenstream.events.serde.TokenEventRecords;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

class StreamTopologyTest {

    private static final String ID = "stream-1";
    private static final long T0 = 1_700_000_000_000_000L;

    private TopologyTestDriver driver;
    private TestInputTopic<String, TokenEvent> tokens;
    private TestInputTopic<String, ControlCommand> control;
    private TestInputTopic<String, byte[]> rawTokens;
    private TestOutputTopic<String, DeliveryFrame> deliveries;
    private TestOutputTopic<String, List<DeliveryFrame>> deliveryRecords;
    private TestOutputTopic<String, StreamStats> stats;
    private TestOutputTopic<String, byte[]> dlq;
    private TestOutputTopic<String, ControlCommand> controlOut;
    private int commands;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeEach
    void setUp() {
        var props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(StreamTopology.build(StreamTopology.Settings.defaults(),
                new StreamMetrics(registry)), props,
                Instant.ofEpochMilli(T0 / 1000));
        tokens = driver.createInputTopic(Topics.TOKENS, new StringSerializer(), JsonSerde.of(TokenEvent.class));
        rawTokens = driver.createInputTopic(Topics.TOKENS, new StringSerializer(), new ByteArraySerializer());
        control = driver.createInputTopic(Topics.CONTROL, new StringSerializer(), JsonSerde.of(ControlCommand.class));
        deliveries = driver.createOutputTopic(Topics.DELIVERIES, new StringDeserializer(),
                JsonSerde.of(DeliveryFrame.class));
        deliveryRecords = driver.createOutputTopic(Topics.DELIVERIES, new StringDeserializer(),
                new DeliveryFrameRecords());
        stats = driver.createOutputTopic(Topics.STREAM_STATS, new StringDeserializer(), JsonSerde.of(StreamStats.class));
        dlq = driver.createOutputTopic(Topics.DLQ, new StringDeserializer(), new ByteArrayDeserializer());
        controlOut = driver.createOutputTopic(Topics.CONTROL, new StringDeserializer(),
                JsonSerde.of(ControlCommand.class));
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    @Test
    void shouldDeliverStartedTokensAndCompletedInOrderWithDeliverySeqs() {
        start();
        token(1, "Hello", 1000);
        token(2, " world", 2000);
        tokens.pipeInput(ID, TokenEvent.completed(ID, 3, "stop", new Usage(5L, 2L, null, null), T0 + 3000));

        List<DeliveryFrame> frames = deliveries.readValuesToList();
        assertThat(frames).extracting(DeliveryFrame::type)
                .containsExactly(FrameType.STARTED, FrameType.TOKEN, FrameType.TOKEN, FrameType.COMPLETED);
        assertThat(frames).extracting(DeliveryFrame::seq).containsExactly(0L, 1L, 2L, 3L);
        assertThat(frames).extracting(DeliveryFrame::text).containsExactly(null, "Hello", " world", null);
        assertThat(frames.get(3).finishReason()).isEqualTo("stop");
        assertThat(frames.get(3).usage()).isEqualTo(new Usage(5L, 2L, null, null));
    }

    @Test
    void shouldForwardReasoningAndToolCallsAsTheirOwnFramesInOrderAndHoldThemWhilePaused() {
        startWith(new Buffering(Buffering.Mode.TOKENS, 5));
        tokens.pipeInput(ID, TokenEvent.reasoning(ID, 1, "Think", T0 + 1000));
        token(2, "Let me ", 2000);
        token(3, "check.", 3000);
        ToolCall fragment = ToolCall.fragment(0, "call_1", "get_weather", "{\"city\":");
        tokens.pipeInput(ID, TokenEvent.toolCall(ID, 4, fragment, T0 + 4000));
        command(ControlAction.PAUSE, 4500);
        ToolCall whole = ToolCall.whole(0, "call_1", "get_weather", "{\"city\":\"Paris\"}");
        tokens.pipeInput(ID, TokenEvent.toolCall(ID, 5, whole, T0 + 5000));
        assertThat(deliveries.readValuesToList()).extracting(DeliveryFrame::type).containsExactly(FrameType.STARTED,
                FrameType.REASONING, FrameType.TOKEN, FrameType.TOOL_CALL, FrameType.PAUSED);

        command(ControlAction.RESUME, 6000);
        tokens.pipeInput(ID, TokenEvent.completed(ID, 6, "tool_calls", null, T0 + 7000));

        List<DeliveryFrame> frames = deliveries.readValuesToList();
        assertThat(frames).extracting(DeliveryFrame::type).containsExactly(FrameType.RESUMED, FrameType.TOOL_CALL,
                FrameType.COMPLETED);
        assertThat(frames.get(1).toolCall()).isEqualTo(whole);
        assertThat(frames).extracting(DeliveryFrame::seq).containsExactly(5L, 6L, 7L);
        assertThat(lastStats().outputTokens()).as("answer tokens only").isEqualTo(2);
    }

    @Test
    void shouldDropDuplicateTokenEvents() {
        start();
        token(1, "a", 1000);
        token(1, "a", 1000);
        token(2, "b", 2000);
        token(2, "b", 2000);

        assertThat(deliveries.readValuesToList()).extracting(DeliveryFrame::text).containsExactly(null, "a", "b");
    }

    @Test
    void shouldHoldTokensWhilePausedAndFlushThemInOrderOnResume() {
        start();
        token(1, "one", 1000);
        command(ControlAction.PAUSE, 1500);
        token(2, " two", 2000);
        token(3, " three", 3000);
        assertThat(deliveries.readValuesToList()).extracting(DeliveryFrame::type)
                .containsExactly(FrameType.STARTED, FrameType.TOKEN, FrameType.PAUSED);

        command(ControlAction.RESUME, 2_001_500);
        token(4, " four", 2_004_000);

        List<DeliveryFrame> frames = deliveries.readValuesToList();
        assertThat(frames).extracting(DeliveryFrame::type)
                .containsExactly(FrameType.RESUMED, FrameType.TOKEN, FrameType.TOKEN, FrameType.TOKEN);
        assertThat(frames).extracting(DeliveryFrame::text).containsExactly(null, " two", " three", " four");
        assertThat(frames).extracting(DeliveryFrame::seq).containsExactly(3L, 4L, 5L, 6L);
        StreamStats last = lastStats();
        assertThat(last.pausedMillis()).isEqualTo(2000.0);
        assertThat(last.state()).isEqualTo(StreamState.STARTED);
    }

    @Test
    void shouldCompleteAfterResumeWhenTheStreamEndedWhilePaused() {
        start();
        command(ControlAction.PAUSE, 500);
        token(1, "x", 1000);
        tokens.pipeInput(ID, TokenEvent.completed(ID, 2, "stop", null, T0 + 2000));
        assertThat(deliveries.readValuesToList()).extracting(DeliveryFrame::type)
                .containsExactly(FrameType.STARTED, FrameType.PAUSED);

        command(ControlAction.RESUME, 3000);

        assertThat(deliveries.readValuesToList()).extracting(DeliveryFrame::type)
                .containsExactly(FrameType.RESUMED, FrameType.TOKEN, FrameType.COMPLETED);
        assertThat(lastStats().state()).isEqualTo(StreamState.COMPLETED);
    }

    @Test
    void shouldEndDeliveryAtOnceOnCancelAndSendNothingAfter() {
        start();
        token(1, "a", 1000);
        command(ControlAction.CANCEL, 1500);
        token(2, "b", 2000);
        tokens.pipeInput(ID, TokenEvent.cancelled(ID, 3, new Usage(null, 2L, null, null), T0 + 2500));

        assertThat(deliveries.readValuesToList()).extracting(DeliveryFrame::type)
                .containsExactly(FrameType.STARTED, FrameType.TOKEN, FrameType.CANCELLED);
        StreamStats last = lastStats();
        assertThat(last.state()).isEqualTo(StreamState.CANCELLED);
        assertThat(last.usage()).isEqualTo(new Usage(null, 2L, null, null));
    }

    @Test
    void shouldDropHeldTokensWhenCancelledWhilePaused() {
        start();
        command(ControlAction.PAUSE, 500);
        token(1, "held", 1000);
        command(ControlAction.CANCEL, 1500);
        command(ControlAction.RESUME, 2000);

        assertThat(deliveries.readValuesToList()).extracting(DeliveryFrame::type)
                .containsExactly(FrameType.STARTED, FrameType.PAUSED, FrameType.CANCELLED);
        assertThat(driver.getKeyValueStore(StreamTopology.PAUSE_BUFFER_STORE).approximateNumEntries()).isZero();
    }

    @Test
    void shouldRejectResumeOfCancelledStream() {
        start();
        command(ControlAction.CANCEL, 500);
        deliveries.readValuesToList();

        command(ControlAction.RESUME, 1000);
        command(ControlAction.PAUSE, 1000);
        command(ControlAction.CANCEL, 1000);

        assertThat(deliveries.isEmpty()).isTrue();
    }

    @Test
    void shouldRejectResumeOfRunningStream() {
        start();
        deliveries.readValuesToList();

        command(ControlAction.RESUME, 1000);

        assertThat(deliveries.isEmpty()).isTrue();
    }

    @Test
    void shouldPauseAStreamBeforeItsFirstEventAndHoldItsStart() {
        command(ControlAction.PAUSE, 0);
        start();
        assertThat(deliveries.readValuesToList()).extracting(DeliveryFrame::type).containsExactly(FrameType.PAUSED);

        command(ControlAction.RESUME, 1000);

        assertThat(deliveries.readValuesToList()).extracting(DeliveryFrame::type)
                .containsExactly(FrameType.RESUMED, FrameType.STARTED);
    }

    @Test
    void shouldDeliverAFailedFrameWithTheProviderError() {
        start();
        tokens.pipeInput(ID, TokenEvent.failed(ID, 1, new ErrorInfo("rate_limited", "slow down", true), null, T0));

        DeliveryFrame failed = deliveries.readValuesToList().get(1);
        assertThat(failed.type()).isEqualTo(FrameType.FAILED);
        assertThat(failed.error()).isEqualTo(new ErrorInfo("rate_limited", "slow down", true));
        assertThat(lastStats().state()).isEqualTo(StreamState.FAILED);
    }

    @Test
    void shouldMeasureTimeToFirstTokenInterTokenLatencyAndRate() {
        tokens.pipeInput(ID, TokenEvent.started(ID, 0, "simulator", "sim-fast", T0, T0 + 10_000, T0 + 10_000));
        for (int i = 1; i <= 11; i++) {
            token(i, "t", 100_000 + (i - 1) * 20_000L);
        }
        tokens.pipeInput(ID, TokenEvent.completed(ID, 12, "stop", null, T0 + 400_000));

        StreamStats last = lastStats();
        assertThat(last.ttftMillis()).isEqualTo(100.0);
        assertThat(last.upstreamTtftMillis()).isEqualTo(90.0);
        assertThat(last.itlP50Millis()).isCloseTo(20.0, offset(0.2));
        assertThat(last.itlP95Millis()).isCloseTo(20.0, offset(0.2));
        assertThat(last.tokensPerSecond()).isCloseTo(50.0, offset(0.01));
        assertThat(last.outputTokens()).isEqualTo(11);
        assertThat(last.durationMillis()).isEqualTo(400.0);
        assertThat(last.provider()).isEqualTo("simulator");

        var model = Tags.of("gen_ai.operation.name", "chat", "gen_ai.provider.name", "simulator",
                "gen_ai.request.model", "sim-fast");
        Timer ttft = registry.get("gen_ai.server.time_to_first_token").tags(model).timer();
        assertThat(ttft.count()).isEqualTo(1);
        assertThat(ttft.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(100.0);
        Timer itl = registry.get("gen_ai.server.time_per_output_token").tags(model).timer();
        assertThat(itl.count()).isEqualTo(10);
        assertThat(itl.mean(TimeUnit.MILLISECONDS)).isEqualTo(20.0);
        assertThat(registry.get("tokenstream.streams.started").tags(model).counter().count()).isEqualTo(1);
        assertThat(registry.get("tokenstream.streams.ended").tags(model).tag("state", "completed").counter().count())
                .isEqualTo(1);
        assertThat(registry.get("tokenstream.stream.tokens_per_second").tags(model).summary().mean())
                .isCloseTo(50.0, offset(0.01));
    }

    @Test
    void shouldDeliverABatchAsOneFrameAndCountAndTimeEachOfItsTokens() {
        tokens.pipeInput(ID, TokenEvent.started(ID, 0, "simulator", "sim-fast", T0, T0 + 10_000, T0 + 10_000));
        token(1, "A", 100_000);
        // Four tokens that queued in ingest behind the record in flight: one record, each token's time kept.
        tokens.pipeInput(ID, batch(2, List.of("B", "cd", "", "e"), 120_000, 140_000, 160_000, 180_000));
        token(3, "f", 200_000);
        tokens.pipeInput(ID, TokenEvent.completed(ID, 4, "stop", null, T0 + 300_000));

        List<DeliveryFrame> frames = deliveries.readValuesToList();
        assertThat(frames).extracting(DeliveryFrame::text).containsExactly(null, "A", "Bcde", "f", null);
        assertThat(frames).extracting(DeliveryFrame::seq).containsExactly(0L, 1L, 2L, 3L, 4L);
        assertThat(frames.get(2).tokenCount()).isEqualTo(4);
        assertThat(frames.get(2).emittedAtMicros()).as("a frame's time is its last token's").isEqualTo(T0 + 180_000);
        StreamStats last = lastStats();
        assertThat(last.outputTokens()).isEqualTo(6);
        assertThat(last.ttftMillis()).isEqualTo(100.0);
        assertThat(last.itlP50Millis()).isCloseTo(20.0, offset(0.2));
        assertThat(last.itlMaxMillis()).isCloseTo(20.0, offset(0.2));
        assertThat(last.tokensPerSecond()).isCloseTo(50.0, offset(0.01));
    }

    @Test
    void shouldCoalesceTheTokensOfBatchesByThePolicyAcrossRecords() {
        startWith(new Buffering(Buffering.Mode.WORDS, null));
        tokens.pipeInput(ID, batch(1, List.of("Str", "eam", "ing", " is"), 1000, 2000, 3000, 4000));
        tokens.pipeInput(ID, batch(2, List.of(" f", "un", ".\n"), 5000, 6000, 7000));
        tokens.pipeInput(ID, TokenEvent.completed(ID, 3, "stop", null, T0 + 9000));

        assertThat(tokenTexts()).containsExactly("Streaming", " is", " fun.\n");
    }

    @Test
    void shouldDeadLetterABatchWhoseLengthsDoNotAddUpToItsText() {
        start();
        TokenEvent good = batch(1, List.of("ab", "c"), 1000, 2000);
        TokenEvent bad = new TokenEvent(ID, 1, good.kind(), "abcd", good.emittedAtMicros(), null, null, null, null,
                null, null, null, null, null, null, null, good.batch());
        tokens.pipeInput(ID, bad);
        tokens.pipeInput(ID, good);

        List<TestRecord<String, byte[]>> dead = dlq.readRecordsToList();
        assertThat(dead).hasSize(1);
        assertThat(new String(dead.get(0).headers().lastHeader(Topics.DLQ_HEADER_ERROR).value(), StandardCharsets.UTF_8))
                .isEqualTo("its batch's token lengths do not add up to its text");
        assertThat(tokenTexts()).containsExactly("abc");
    }

    @Test
    void shouldSendUndecodableRecordsToTheDeadLetterTopicAndGoOn() {
        start();
        rawTokens.pipeInput(ID, "{not json".getBytes(StandardCharsets.UTF_8));
        rawTokens.pipeInput("other-key", JsonSerde.of(TokenEvent.class).serialize("t", TokenEvent.token(ID, 1, "x", T0)));
        token(1, "fine", 1000);

        List<TestRecord<String, byte[]>> dead = dlq.readRecordsToList();
        assertThat(dead).hasSize(2);
        assertThat(new String(dead.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("{not json");
        assertThat(new String(dead.get(0).headers().lastHeader(Topics.DLQ_HEADER_ERROR).value(), StandardCharsets.UTF_8))
                .contains("cannot read TokenEvent");
        assertThat(new String(dead.get(0).headers().lastHeader(Topics.DLQ_HEADER_ORIGIN).value(), StandardCharsets.UTF_8))
                .startsWith(Topics.TOKENS + "/0@");
        assertThat(new String(dead.get(1).headers().lastHeader(Topics.DLQ_HEADER_ERROR).value(), StandardCharsets.UTF_8))
                .contains("is not its streamId");
        assertThat(deliveries.readValuesToList()).extracting(DeliveryFrame::text).containsExactly(null, "fine");
        assertThat(registry.get("tokenstream.dlq.records").tag("topic", Topics.TOKENS).counter().count()).isEqualTo(2);
    }

    @Test
    void shouldProcessEachEventOfARecordOfSeveralStreamsOnItsOwnAndDeadLetterOnlyTheBadOne() {
        String other = "stream-2";
        byte[] record = TokenEventRecords.batch(List.of(
                TokenEventRecords.encode(TokenEvent.started(ID, 0, "simulator", "sim-fast", T0, T0, T0)),
                TokenEventRecords.encode(TokenEvent.started(other, 0, "simulator", "sim-fast", T0, T0, T0)),
                TokenEventRecords.encode(TokenEvent.token(ID, 1, "mine", T0 + 1000)),
                "{\"streamId\":\"stream-2\",\"seq\":\"not a number\"}".getBytes(StandardCharsets.UTF_8),
                TokenEventRecords.encode(new TokenEvent(other, 1, null, "kindless", T0, null, null, null, null, null,
                        null, null, null, null)),
                TokenEventRecords.encode(TokenEvent.token(other, 1, "theirs", T0 + 2000))));
        rawTokens.pipeInput(null, record);

        List<TestRecord<String, List<DeliveryFrame>>> written = deliveryRecords.readRecordsToList();
        assertThat(written).as("the frames made from one record go as one").hasSize(1);
        assertThat(written.get(0).key()).as("a record of several streams has no key").isNull();
        assertThat(written.get(0).value()).extracting(DeliveryFrame::streamId).containsExactly(ID, other, ID, other);
        assertThat(written.get(0).value()).extracting(DeliveryFrame::text).containsExactly(null, null, "mine", "theirs");
        List<TestRecord<String, byte[]>> dead = dlq.readRecordsToList();
        assertThat(dead).hasSize(2);
        assertThat(new String(dead.get(0).value(), StandardCharsets.UTF_8)).contains("not a number");
        assertThat(new String(dead.get(0).headers().lastHeader(Topics.DLQ_HEADER_ERROR).value(), StandardCharsets.UTF_8))
                .startsWith("cannot read a TokenEvent");
        assertThat(new String(dead.get(0).headers().lastHeader(Topics.DLQ_HEADER_ORIGIN).value(), StandardCharsets.UTF_8))
                .startsWith(Topics.TOKENS + "/0@").endsWith("[3]");
        assertThat(dead.get(0).headers().headers(Topics.DLQ_HEADER_ERROR)).as("headers of its own").hasSize(1);
        assertThat(new String(dead.get(1).value(), StandardCharsets.UTF_8)).contains("kindless");
        assertThat(new String(dead.get(1).headers().lastHeader(Topics.DLQ_HEADER_ERROR).value(), StandardCharsets.UTF_8))
                .isEqualTo("record has no kind");
        assertThat(dead.get(1).headers().headers(Topics.DLQ_HEADER_ERROR)).hasSize(1);
    }

    @Test
    void shouldWriteEachStreamsStateToItsChangelogAtTheCommitAsOfItsLastEvent() {
        TestOutputTopic<String, StreamProgress> changelog = driver.createOutputTopic(
                "topology-test-" + StreamTopology.STATE_STORE + "-changelog", new StringDeserializer(),
                new StreamProgressSerde().deserializer());
        String other = "stream-2";
        rawTokens.pipeInput(null, TokenEventRecords.batch(List.of(
                TokenEventRecords.encode(TokenEvent.started(ID, 0, "simulator", "sim-fast", T0, T0, T0)),
                TokenEventRecords.encode(TokenEvent.started(other, 0, "simulator", "sim-fast", T0, T0, T0)),
                TokenEventRecords.encode(TokenEvent.token(ID, 1, "a", T0 + 1000)),
                TokenEventRecords.encode(TokenEvent.token(ID, 2, "b", T0 + 2000)),
                TokenEventRecords.encode(TokenEvent.token(other, 1, "c", T0 + 3000)))));

        List<TestRecord<String, StreamProgress>> written = changelog.readRecordsToList();
        assertThat(written).as("one write per stream and commit, as of its last event").hasSize(2)
                .extracting(TestRecord::key).containsExactlyInAnyOrder(ID, other);
        assertThat(written).filteredOn(r -> r.key().equals(ID)).singleElement()
                .extracting(r -> r.value().lifecycle().lastEventSeq()).isEqualTo(2L);

        token(3, "d", 4000);
        assertThat(changelog.readRecordsToList()).singleElement()
                .extracting(r -> r.value().lifecycle().lastEventSeq()).isEqualTo(3L);
        assertThat(driver.<String, StreamProgress>getKeyValueStore(StreamTopology.STATE_STORE).get(ID).statistics()
                .tokenCount()).as("what interactive queries read after the commit").isEqualTo(3);
    }

    @Test
    void shouldWriteAtMostMaxFramesFramesARecord() {
        List<byte[]> events = new ArrayList<>();
        for (int i = 0; i < DeliveryFrameRecords.MAX_FRAMES + 8; i++) {
            events.add(TokenEventRecords.encode(TokenEvent.started("s-" + i, 0, "simulator", "sim-fast", T0, T0, T0)));
        }
        rawTokens.pipeInput(null, TokenEventRecords.batch(events));

        assertThat(deliveryRecords.readRecordsToList()).extracting(r -> r.value().size())
                .containsExactly(DeliveryFrameRecords.MAX_FRAMES, 8);
    }

    @Test
    void shouldDeadLetterAWholeArrayThatIsNotJson() {
        start();
        rawTokens.pipeInput(null, "[{\"streamId\":".getBytes(StandardCharsets.UTF_8));
        token(1, "fine", 1000);

        List<TestRecord<String, byte[]>> dead = dlq.readRecordsToList();
        assertThat(dead).hasSize(1);
        assertThat(new String(dead.get(0).headers().lastHeader(Topics.DLQ_HEADER_ERROR).value(), StandardCharsets.UTF_8))
                .startsWith("cannot read an array of TokenEvent values");
        assertThat(deliveries.readValuesToList()).extracting(DeliveryFrame::text).containsExactly(null, "fine");
    }

    @Test
    void shouldFailAStreamThatGoesSilentAsStalled() {
        start();
        token(1, "a", 1000);
        deliveries.readValuesToList();

        driver.advanceWallClockTime(Duration.ofMinutes(1));
        assertThat(deliveries.isEmpty()).isTrue();
        assertThat(registry.get("tokenstream.streams.active").gauge().value()).isEqualTo(1);
        driver.advanceWallClockTime(Duration.ofMinutes(2));

        DeliveryFrame failed = deliveries.readValue();
        assertThat(failed.type()).isEqualTo(FrameType.FAILED);
        assertThat(failed.seq()).isEqualTo(2);
        assertThat(failed.error().code()).isEqualTo("stalled");
        assertThat(failed.error().retryable()).isTrue();
        assertThat(lastStats().state()).isEqualTo(StreamState.FAILED);
        List<ControlCommand> cancels = controlOut.readValuesToList();
        assertThat(cancels).extracting(ControlCommand::action).containsExactly(ControlAction.CANCEL);
        assertThat(cancels.get(0).streamId()).isEqualTo(ID);
        token(2, "late", 200_000_000);
        assertThat(deliveries.isEmpty()).isTrue();
        assertThat(registry.get("tokenstream.streams.ended").tag("state", "failed").counter().count()).isEqualTo(1);
        driver.advanceWallClockTime(Duration.ofSeconds(5));
        assertThat(registry.get("tokenstream.streams.active").gauge().value()).isZero();
    }

    @Test
    void shouldNotStallAPausedStreamAndDeliverTheWholeAnswerWhenResumedLater() {
        start();
        command(ControlAction.PAUSE, 500);
        token(1, "held", 1000);
        tokens.pipeInput(ID, TokenEvent.completed(ID, 2, "stop", null, T0 + 2000));
        deliveries.readValuesToList();

        driver.advanceWallClockTime(Duration.ofMinutes(10));
        assertThat(deliveries.isEmpty()).as("the upstream finished while paused: not stalled").isTrue();
        command(ControlAction.RESUME, 600_000_000);

        assertThat(deliveries.readValuesToList()).extracting(DeliveryFrame::type)
                .containsExactly(FrameType.RESUMED, FrameType.TOKEN, FrameType.COMPLETED);
        assertThat(lastStats().state()).isEqualTo(StreamState.COMPLETED);
    }

    @Test
    void shouldCountTheStallTimeoutFromTheResume() {
        start();
        command(ControlAction.PAUSE, 500);
        driver.advanceWallClockTime(Duration.ofMinutes(10));
        command(ControlAction.RESUME, 600_000_000);
        deliveries.readValuesToList();

        driver.advanceWallClockTime(Duration.ofMinutes(1));
        assertThat(deliveries.isEmpty()).isTrue();
        token(1, "live", 660_000_000);
        assertThat(deliveries.readValuesToList()).extracting(DeliveryFrame::text).containsExactly("live");
    }

    @Test
    void shouldEndAStreamPausedPastTheLongestPauseAndKeepItsTokensOutOfDelivery() {
        start();
        token(1, "seen", 800);
        command(ControlAction.PAUSE, 900);
        token(2, "held", 1000);
        deliveries.readValuesToList();
        controlOut.readValuesToList();

        driver.advanceWallClockTime(Duration.ofMinutes(29));
        assertThat(deliveries.isEmpty()).isTrue();
        driver.advanceWallClockTime(Duration.ofMinutes(2));

        DeliveryFrame failed = deliveries.readValue();
        assertThat(failed.type()).isEqualTo(FrameType.FAILED);
        assertThat(failed.error().code()).isEqualTo("pause_expired");
        assertThat(failed.error().retryable()).isFalse();
        assertThat(deliveries.isEmpty()).isTrue();
        assertThat(driver.getKeyValueStore(StreamTopology.PAUSE_BUFFER_STORE).approximateNumEntries()).isZero();
        assertThat(lastStats().pausedMillis()).isPositive();
        assertThat(controlOut.readValuesToList()).singleElement()
                .satisfies(cancel -> assertThat(cancel.action()).isEqualTo(ControlAction.CANCEL));
    }

    @Test
    void shouldCountATenantsRunningStreamsRequestsAndOutputTokensForItsQuotas() {
        var requests = driver.createInputTopic(Topics.REQUESTS, new StringSerializer(),
                JsonSerde.of(StreamRequest.class));
        requests.pipeInput(ID, request(ID, "acme"));
        requests.pipeInput(ID, request(ID, "acme")); // taken again after a crash: the same stream
        requests.pipeInput("other", request("other", "acme"));
        requests.pipeInput("theirs", request("theirs", "globex"));
        assertThat(usage("acme")).extracting(TenantUsage::activeStreams, TenantUsage::requests).containsExactly(2, 2);

        tokens.pipeInput(ID, started(0).withTenant("acme"));
        for (int seq = 1; seq <= 30; seq++) {
            token(seq, "t", 1000L * seq);
        }
        tokens.pipeInput(ID, TokenEvent.completed(ID, 31, "stop", null, T0 + 40_000));

        TenantUsage acme = usage("acme");
        assertThat(acme.activeStreams()).as("one ended").isEqualTo(1);
        assertThat(acme.outputTokens()).isEqualTo(30);
        assertThat(usage("globex").activeStreams()).isEqualTo(1);
        assertThat(usage("globex").outputTokens()).isZero();
    }

    private TenantUsage usage(String tenant) {
        TenantWindow window = driver.<String, TenantWindow>getKeyValueStore(StreamTopology.TENANT_USAGE_STORE)
                .get(tenant);
        return window.usage(tenant, T0 / 1000);
    }

    @Test
    void shouldFailARequestNoIngestStartsByTheDeadlineAsNotStarted() {
        var requests = driver.createInputTopic(Topics.REQUESTS, new StringSerializer(),
                JsonSerde.of(StreamRequest.class));
        requests.pipeInput("late", request("late"));
        requests.pipeInput(ID, request(ID));

        driver.advanceWallClockTime(Duration.ofMinutes(4));
        assertThat(deliveries.isEmpty()).isTrue();
        start();
        driver.advanceWallClockTime(Duration.ofSeconds(90));

        List<DeliveryFrame> frames = deliveries.readValuesToList();
        assertThat(frames).extracting(DeliveryFrame::streamId).containsExactly(ID, "late");
        assertThat(frames.get(0).type()).as("started in time").isEqualTo(FrameType.STARTED);
        DeliveryFrame failed = frames.get(1);
        assertThat(failed.type()).isEqualTo(FrameType.FAILED);
        assertThat(failed.seq()).isZero();
        assertThat(failed.error().code()).isEqualTo("not_started");
        assertThat(failed.error().retryable()).isTrue();
        assertThat(controlOut.readValuesToList()).extracting(ControlCommand::streamId).containsExactly("late");
    }

    @Test
    void shouldFailAStreamWithAHoleInItsLogAsDataLossAndKeepWhatCameBefore() {
        start();
        token(1, "before", 1000);
        token(3, "after the hole", 3000);
        token(4, "later", 4000);

        List<DeliveryFrame> frames = deliveries.readValuesToList();
        assertThat(frames).extracting(DeliveryFrame::type)
                .containsExactly(FrameType.STARTED, FrameType.TOKEN, FrameType.FAILED);
        assertThat(frames).extracting(DeliveryFrame::text).containsExactly(null, "before", null);
        assertThat(frames.get(2).error().code()).isEqualTo("data_loss");
        assertThat(frames.get(2).error().message()).contains("2 to 2");
        assertThat(lastStats().state()).isEqualTo(StreamState.FAILED);
        assertThat(controlOut.readValuesToList()).extracting(ControlCommand::action)
                .containsExactly(ControlAction.CANCEL);
    }

    @Test
    void shouldFailAsInterruptedWhenANewAttemptStartsAfterContentWasDeliveredNeverSplicing() {
        tokens.pipeInput(ID, started(0).withAttempt(1));
        tokens.pipeInput(ID, TokenEvent.token(ID, 1, "first part", T0 + 1000).withAttempt(1));
        tokens.pipeInput(ID, started(0).withAttempt(2));
        tokens.pipeInput(ID, TokenEvent.token(ID, 1, "another answer", T0 + 3000).withAttempt(2));
        tokens.pipeInput(ID, TokenEvent.completed(ID, 2, "stop", null, T0 + 4000).withAttempt(2));

        List<DeliveryFrame> frames = deliveries.readValuesToList();
        assertThat(frames).extracting(DeliveryFrame::type)
                .containsExactly(FrameType.STARTED, FrameType.TOKEN, FrameType.FAILED);
        assertThat(frames).extracting(DeliveryFrame::text).containsExactly(null, "first part", null);
        assertThat(frames.get(2).error().code()).isEqualTo("interrupted");
        assertThat(frames.get(2).error().retryable()).isTrue();
        assertThat(controlOut.readValuesToList()).as("the newer attempt's upstream call is closed")
                .extracting(ControlCommand::action).containsExactly(ControlAction.CANCEL);
    }

    @Test
    void shouldGoOnWithAContinuationThatFollowsTheLastEventAndDropTheLostAttemptsLateEvents() {
        tokens.pipeInput(ID, started(0).withAttempt(1));
        tokens.pipeInput(ID, TokenEvent.token(ID, 1, "The first", T0 + 1000).withAttempt(1));
        tokens.pipeInput(ID, TokenEvent.token(ID, 2, " part", T0 + 2000).withAttempt(1));
        // Ingest lost its instance; another read events 0 to 2 and asked the provider to go on from " part".
        tokens.pipeInput(ID, started(3).withAttempt(2));
        tokens.pipeInput(ID, TokenEvent.token(ID, 3, "late from the lost attempt", T0 + 3500).withAttempt(1));
        tokens.pipeInput(ID, TokenEvent.token(ID, 4, " and the rest.", T0 + 4000).withAttempt(2));
        tokens.pipeInput(ID, TokenEvent.completed(ID, 5, "stop", new Usage(30L, 6L, null, null), T0 + 5000)
                .withAttempt(2));

        List<DeliveryFrame> frames = deliveries.readValuesToList();
        assertThat(frames).extracting(DeliveryFrame::type).containsExactly(FrameType.STARTED, FrameType.TOKEN,
                FrameType.TOKEN, FrameType.CONTINUED, FrameType.TOKEN, FrameType.COMPLETED);
        assertThat(frames).extracting(DeliveryFrame::seq).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
        assertThat(frames.stream().filter(DeliveryFrame::isToken).map(DeliveryFrame::text).reduce("", String::concat))
                .isEqualTo("The first part and the rest.");
        StreamStats end = lastStats();
        assertThat(end.state()).isEqualTo(StreamState.COMPLETED);
        assertThat(end.outputTokens()).as("tokens delivered").isEqualTo(3);
        assertThat(end.usage().outputTokens()).as("the usage of both calls, which ingest adds up").isEqualTo(6);
        assertThat(controlOut.isEmpty()).as("nothing cancelled").isTrue();
    }

    @Test
    void shouldFailAsInterruptedAContinuationThatDoesNotFollowTheLastEventApplied() {
        tokens.pipeInput(ID, started(0).withAttempt(1));
        tokens.pipeInput(ID, TokenEvent.token(ID, 1, "The first", T0 + 1000).withAttempt(1));
        tokens.pipeInput(ID, TokenEvent.token(ID, 2, " part", T0 + 2000).withAttempt(1));
        // Ingest read the answer up to event 1 only (the lost instance wrote event 2 after): a splice.
        tokens.pipeInput(ID, started(2).withAttempt(2));
        tokens.pipeInput(ID, TokenEvent.token(ID, 3, " part and more", T0 + 4000).withAttempt(2));

        List<DeliveryFrame> frames = deliveries.readValuesToList();
        assertThat(frames).extracting(DeliveryFrame::type).containsExactly(FrameType.STARTED, FrameType.TOKEN,
                FrameType.TOKEN, FrameType.FAILED);
        assertThat(frames.get(3).error().code()).isEqualTo("interrupted");
        assertThat(controlOut.readValuesToList()).as("the continuation's upstream call is closed")
                .extracting(ControlCommand::action).containsExactly(ControlAction.CANCEL);
    }

    @Test
    void shouldReplaceAnAttemptThatDeliveredNoContentWithoutTheClientNoticing() {
        tokens.pipeInput(ID, started(0).withAttempt(1));
        tokens.pipeInput(ID, started(0).withAttempt(2));
        tokens.pipeInput(ID, TokenEvent.token(ID, 1, "the answer", T0 + 3000).withAttempt(2));
        tokens.pipeInput(ID, TokenEvent.token(ID, 1, "late from the old attempt", T0 + 3500).withAttempt(1));
        tokens.pipeInput(ID, TokenEvent.completed(ID, 2, "stop", null, T0 + 4000).withAttempt(2));

        List<DeliveryFrame> frames = deliveries.readValuesToList();
        assertThat(frames).extracting(DeliveryFrame::type)
                .containsExactly(FrameType.STARTED, FrameType.TOKEN, FrameType.COMPLETED);
        assertThat(frames).extracting(DeliveryFrame::text).containsExactly(null, "the answer", null);
        assertThat(frames).extracting(DeliveryFrame::seq).containsExactly(0L, 1L, 2L);
        assertThat(controlOut.isEmpty()).isTrue();
    }

    @Test
    void shouldKeepAFinishedStreamFinishedWhenANewAttemptStarts() {
        tokens.pipeInput(ID, started(0).withAttempt(1));
        tokens.pipeInput(ID, TokenEvent.completed(ID, 1, "stop", null, T0 + 1000).withAttempt(1));
        deliveries.readValuesToList();

        tokens.pipeInput(ID, started(0).withAttempt(2));
        tokens.pipeInput(ID, TokenEvent.token(ID, 1, "again", T0 + 3000).withAttempt(2));
        tokens.pipeInput(ID, TokenEvent.cancelled(ID, 2, new Usage(1L, 1L, null, null), T0 + 4000).withAttempt(2));

        assertThat(deliveries.isEmpty()).isTrue();
        assertThat(lastStats().state()).isEqualTo(StreamState.COMPLETED);
        assertThat(controlOut.readValuesToList()).extracting(ControlCommand::action)
                .containsExactly(ControlAction.CANCEL);
    }

    @Test
    void shouldNotStallAStreamThatKeepsReceivingTokens() {
        start();
        for (int i = 1; i <= 5; i++) {
            driver.advanceWallClockTime(Duration.ofMinutes(1));
            token(i, "t", i * 60_000_000L);
        }

        assertThat(deliveries.readValuesToList()).extracting(DeliveryFrame::type).doesNotContain(FrameType.FAILED);
    }

    @Test
    void shouldNotStallAStreamPausedBeforeItsFirstEventRightAway() {
        command(ControlAction.PAUSE, 0);
        driver.advanceWallClockTime(Duration.ofSeconds(10));

        assertThat(deliveries.readValuesToList()).extracting(DeliveryFrame::type).containsExactly(FrameType.PAUSED);
    }

    @Test
    void shouldDropTheStateOfAFinishedStreamAfterItsRetention() {
        start();
        tokens.pipeInput(ID, TokenEvent.completed(ID, 1, "stop", null, T0 + 1000));
        assertThat(driver.getKeyValueStore(StreamTopology.STATE_STORE).get(ID)).isNotNull();

        driver.advanceWallClockTime(Duration.ofMinutes(30));
        assertThat(driver.getKeyValueStore(StreamTopology.STATE_STORE).get(ID)).isNotNull();
        driver.advanceWallClockTime(Duration.ofMinutes(31));

        assertThat(driver.getKeyValueStore(StreamTopology.STATE_STORE).get(ID)).isNull();
    }

    @Test
    void shouldCoalesceEveryNTokensAndFlushTheRestWithTheTerminalFrame() {
        startWith(new Buffering(Buffering.Mode.TOKENS, 3));
        for (int i = 1; i <= 7; i++) {
            token(i, "t" + i + " ", i * 1000L);
        }
        tokens.pipeInput(ID, TokenEvent.completed(ID, 8, "stop", null, T0 + 9000));

        List<DeliveryFrame> frames = deliveries.readValuesToList();
        assertThat(frames).extracting(DeliveryFrame::type).containsExactly(FrameType.STARTED, FrameType.TOKEN,
                FrameType.TOKEN, FrameType.TOKEN, FrameType.COMPLETED);
        assertThat(frames).extracting(DeliveryFrame::text).containsExactly(null, "t1 t2 t3 ", "t4 t5 t6 ", "t7 ", null);
        assertThat(frames).extracting(DeliveryFrame::tokens).containsExactly(null, 3, 3, null, null);
        assertThat(frames).extracting(DeliveryFrame::seq).containsExactly(0L, 1L, 2L, 3L, 4L);
        assertThat(frames.get(2).emittedAtMicros()).isEqualTo(T0 + 6000);
    }

    @Test
    void shouldCoalesceToAtLeastNCharacters() {
        startWith(new Buffering(Buffering.Mode.CHARACTERS, 10));
        List.of("Kafka", " keeps", " every", " token", ".").forEach(text -> token(nextSeq++, text, nextSeq * 1000L));
        tokens.pipeInput(ID, TokenEvent.completed(ID, nextSeq, "stop", null, T0 + 9000));

        assertThat(tokenTexts()).containsExactly("Kafka keeps", " every token", ".");
    }

    @Test
    void shouldCoalesceWholeWords() {
        startWith(new Buffering(Buffering.Mode.WORDS, null));
        List.of("Str", "eam", "ing", " is", " fun", ".\n", "Yes").forEach(text -> token(nextSeq++, text, 1000L));
        tokens.pipeInput(ID, TokenEvent.completed(ID, nextSeq, "stop", null, T0 + 9000));

        assertThat(tokenTexts()).containsExactly("Streaming", " is", " fun.\n", "Yes");
    }

    @Test
    void shouldCoalesceWholeSentences() {
        startWith(new Buffering(Buffering.Mode.SENTENCES, null));
        List.of("One", " two", ".", " Three", "?", " Four").forEach(text -> token(nextSeq++, text, 1000L));
        tokens.pipeInput(ID, TokenEvent.completed(ID, nextSeq, "stop", null, T0 + 9000));

        assertThat(tokenTexts()).containsExactly("One two.", " Three?", " Four");
    }

    @Test
    void shouldFlushTheLastWindowByWallClockAfterItsGrace() {
        startWith(new Buffering(Buffering.Mode.WINDOW, 100));
        token(1, "a", 1000);
        token(2, "b", 2000);
        driver.advanceWallClockTime(Duration.ofMillis(110));
        assertThat(tokenTexts()).as("tokens of the window may still be in transit").isEmpty();

        token(3, "c", 3000);
        driver.advanceWallClockTime(Duration.ofMillis(StreamTransitions.WINDOW_GRACE_MILLIS));

        assertThat(tokenTexts()).containsExactly("abc");
    }

    @Test
    void shouldCutWindowsByWhenIngestReceivedTheTokensWhateverTheProcessorsClock() {
        // The same events, processed at once (as after a crash) and spread out by the wall clock, make the same frames.
        for (long pauseMillis : new long[] {0, 90}) {
            startWith(new Buffering(Buffering.Mode.WINDOW, 100));
            long[] emittedMillis = {0, 40, 99, 100, 180, 250, 420};
            for (int i = 0; i < emittedMillis.length; i++) {
                token(i + 1, String.valueOf((char) ('a' + i)), emittedMillis[i] * 1000);
                driver.advanceWallClockTime(Duration.ofMillis(pauseMillis));
            }
            tokens.pipeInput(ID, TokenEvent.completed(ID, emittedMillis.length + 1, "stop", null, T0 + 500_000));

            assertThat(tokenTexts()).as("wall-clock pause %d ms", pauseMillis).containsExactly("abc", "de", "f", "g");
            tearDown();
            setUp();
        }
    }

    @Test
    void shouldFlushBeforePausingAndReleaseHeldTokensThroughThePolicy() {
        startWith(new Buffering(Buffering.Mode.TOKENS, 2));
        token(1, "a", 1000);
        command(ControlAction.PAUSE, 1500);
        token(2, "b", 2000);
        token(3, "c", 3000);
        token(4, "d", 4000);
        assertThat(deliveries.readValuesToList()).extracting(DeliveryFrame::text).containsExactly(null, "a", null);

        command(ControlAction.RESUME, 5000);

        assertThat(deliveries.readValuesToList()).extracting(DeliveryFrame::text).containsExactly(null, "bc");
        tokens.pipeInput(ID, TokenEvent.completed(ID, 5, "stop", null, T0 + 9000));
        assertThat(deliveries.readValuesToList()).extracting(DeliveryFrame::text).containsExactly("d", null);
    }

    @Test
    void shouldUseTheConfiguredDefaultWhenTheRequestSetsNone() {
        driver.close();
        var settings = StreamTopology.Settings.defaults();
        var props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test-default");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(StreamTopology.build(settings.withDefaultBuffering(
                new Buffering(Buffering.Mode.TOKENS, 2))), props);
        tokens = driver.createInputTopic(Topics.TOKENS, new StringSerializer(), JsonSerde.of(TokenEvent.class));
        deliveries = driver.createOutputTopic(Topics.DELIVERIES, new StringDeserializer(),
                JsonSerde.of(DeliveryFrame.class));
        start();
        token(1, "a", 1000);
        token(2, "b", 2000);

        assertThat(tokenTexts()).containsExactly("ab");
    }

    @Test
    void shouldKeepProcessorStoreAndTopicNamesStable() {
        String description = StreamTopology.build(StreamTopology.Settings.defaults()).describe().toString();
        assertThat(description)
                .contains("Source: tokens-source (topics: [tokenstream.tokens])")
                .contains("Source: control-source (topics: [tokenstream.control])")
                .contains("Source: requests-source (topics: [tokenstream.requests])")
                .contains("Processor: stream-state-machine (stores: [stream-state, pause-buffer, merge-groups])")
                .contains("Sink: deliveries-sink (topic: tokenstream.deliveries)")
                .contains("Sink: stream-stats-sink (topic: tokenstream.stream-stats)")
                .contains("Sink: dlq-sink (topic: tokenstream.dlq)")
                .contains("Sink: control-sink (topic: tokenstream.control)")
                .contains("Sink: model-samples-sink (topic: tokenstream.model-samples)")
                .contains("Source: model-samples-source (topics: [tokenstream.model-samples])")
                .contains("Processor: model-window (stores: [model-windows])")
                .contains("Sink: model-stats-sink (topic: tokenstream.model-stats)");
    }

    private static StreamRequest request(String id) {
        return request(id, null);
    }

    private static StreamRequest request(String id, String tenant) {
        return new StreamRequest(id, "simulator", "sim-fast", List.of(ChatMessage.user("hi")), null, T0, null, null,
                tenant);
    }

    private static TokenEvent started(long seq) {
        return TokenEvent.started(ID, seq, "simulator", "sim-fast", T0, T0 + 10, T0 + 10);
    }

    private void start() {
        tokens.pipeInput(ID, TokenEvent.started(ID, 0, "simulator", "sim-fast", T0, T0, T0));
    }

    private long nextSeq = 1;

    private void startWith(Buffering buffering) {
        tokens.pipeInput(ID, TokenEvent.started(ID, 0, "simulator", "sim-fast", T0, T0, T0, buffering));
    }

    private List<String> tokenTexts() {
        return deliveries.readValuesToList().stream().filter(f -> f.type() == FrameType.TOKEN)
                .map(DeliveryFrame::text).toList();
    }

    private void token(long seq, String text, long offsetMicros) {
        tokens.pipeInput(ID, TokenEvent.token(ID, seq, text, T0 + offsetMicros));
    }

    /** A record of several tokens, as ingest writes those that queued behind its record in flight. */
    private static TokenEvent batch(long seq, List<String> texts, long... offsetsMicros) {
        var singles = new ArrayList<TokenEvent>();
        for (int i = 0; i < texts.size(); i++) {
            singles.add(TokenEvent.token(ID, seq, texts.get(i), T0 + offsetsMicros[i]));
        }
        return TokenEvent.batch(singles);
    }

    private void command(ControlAction action, long offsetMicros) {
        driver.advanceWallClockTime(Duration.ZERO);
        control.pipeInput(ID, new ControlCommand("c" + (++commands), ID, action, T0 + offsetMicros));
    }

    private StreamStats lastStats() {
        List<StreamStats> all = stats.readValuesToList();
        assertThat(all).isNotEmpty();
        return all.get(all.size() - 1);
    }
}
