package dev.tokenstream.processor.streams;

import dev.tokenstream.events.ChatMessage;
import dev.tokenstream.events.Comparison;
import dev.tokenstream.events.ControlAction;
import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.ErrorInfo;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.Merge;
import dev.tokenstream.events.MergeMode;
import dev.tokenstream.events.StreamRequest;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.StreamStats;
import dev.tokenstream.events.Target;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.Usage;
import dev.tokenstream.events.serde.JsonSerde;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/** Merge groups through the whole topology: race, fallback and compare, and commands on a group. */
class MergeGroupTopologyTest {

    private static final String GROUP = "g1";
    private static final String M0 = Merge.memberId(GROUP, 0);
    private static final String M1 = Merge.memberId(GROUP, 1);
    private static final long T0 = 1_700_000_000_000_000L;
    private static final List<Target> TARGETS = List.of(new Target("simulator", "sim-slow"),
            new Target("simulator", "sim-fast"));

    private TopologyTestDriver driver;
    private TestInputTopic<String, TokenEvent> tokens;
    private TestInputTopic<String, ControlCommand> control;
    private TestInputTopic<String, StreamRequest> requests;
    private TestOutputTopic<String, DeliveryFrame> deliveries;
    private TestOutputTopic<String, StreamStats> stats;
    private TestOutputTopic<String, ControlCommand> controlOut;
    private TestOutputTopic<String, byte[]> dlq;
    private final long[] seqs = new long[2];

    @BeforeEach
    void setUp() {
        var props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "merge-group-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(StreamTopology.build(StreamTopology.Settings.defaults()), props,
                Instant.ofEpochMilli(T0 / 1000));
        tokens = driver.createInputTopic(Topics.TOKENS, new StringSerializer(), JsonSerde.of(TokenEvent.class));
        control = driver.createInputTopic(Topics.CONTROL, new StringSerializer(), JsonSerde.of(ControlCommand.class));
        requests = driver.createInputTopic(Topics.REQUESTS, new StringSerializer(),
                JsonSerde.of(StreamRequest.class));
        deliveries = driver.createOutputTopic(Topics.DELIVERIES, new StringDeserializer(),
                JsonSerde.of(DeliveryFrame.class));
        stats = driver.createOutputTopic(Topics.STREAM_STATS, new StringDeserializer(),
                JsonSerde.of(StreamStats.class));
        controlOut = driver.createOutputTopic(Topics.CONTROL, new StringDeserializer(),
                JsonSerde.of(ControlCommand.class));
        dlq = driver.createOutputTopic(Topics.DLQ, new StringDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    @Test
    void shouldLetTheFirstMemberWithATokenWinARaceAndCancelTheOthers() {
        group(MergeMode.RACE);
        started(0);
        started(1);
        token(1, "Fast", 80_000);

        List<ControlCommand> cancels = controlOut.readValuesToList();
        assertThat(cancels).extracting(ControlCommand::streamId, ControlCommand::action)
                .containsExactly(tuple(M0, ControlAction.CANCEL));
        token(0, "Slow", 900_000);
        token(1, " answer", 100_000);
        completed(1, new Usage(10L, 2L, null, null));

        List<KeyValue<String, DeliveryFrame>> frames = deliveries.readKeyValuesToList();
        assertThat(frames).allSatisfy(kv -> assertThat(kv.key).isEqualTo(GROUP));
        assertThat(frames).extracting(kv -> kv.value.type(), kv -> kv.value.text(), kv -> kv.value.member())
                .containsExactly(tuple(FrameType.STARTED, null, null),
                        tuple(FrameType.TOKEN, "Fast", 1),
                        tuple(FrameType.TOKEN, " answer", 1),
                        tuple(FrameType.COMPLETED, null, 1));
        assertThat(frames).extracting(kv -> kv.value.seq()).containsExactly(0L, 1L, 2L, 3L);
        assertThat(frames.get(3).value.usage().outputTokens()).isEqualTo(2);
        StreamStats group = groupStats();
        assertThat(group.state()).isEqualTo(StreamState.COMPLETED);
        assertThat(group.model()).isEqualTo("sim-fast");
        assertThat(group.outputTokens()).isEqualTo(2);
    }

    @Test
    void shouldFailARaceWhenEveryMemberFailsBeforeItsFirstToken() {
        group(MergeMode.RACE);
        started(0);
        started(1);
        failed(0, "rate_limited");
        failed(1, "overloaded");

        assertThat(deliveries.readValuesToList()).extracting(DeliveryFrame::type)
                .containsExactly(FrameType.STARTED, FrameType.FAILED);
        assertThat(groupStats().state()).isEqualTo(StreamState.FAILED);
    }

    @Test
    void shouldDeliverThePrimaryOfAFallbackWhenItAnswersInTimeAndCancelTheRest() {
        group(MergeMode.FALLBACK);
        started(0);
        started(1);
        token(1, "Fast", 80_000);
        token(0, "Primary", 300_000);
        token(1, " more", 100_000);
        token(0, " answer", 320_000);
        completed(0, null);

        assertThat(deliveries.readValuesToList()).extracting(DeliveryFrame::type, DeliveryFrame::text,
                        DeliveryFrame::member)
                .containsExactly(tuple(FrameType.STARTED, null, null),
                        tuple(FrameType.TOKEN, "Primary", 0),
                        tuple(FrameType.TOKEN, " answer", 0),
                        tuple(FrameType.COMPLETED, null, 0));
        assertThat(controlOut.readValuesToList()).extracting(ControlCommand::streamId).containsExactly(M1);
    }

    @Test
    void shouldFallBackToTheNextTargetWithItsHeldTokensWhenThePrimaryFails() {
        group(MergeMode.FALLBACK);
        started(0);
        started(1);
        token(1, "Second", 80_000);
        token(1, " choice", 100_000);
        failed(0, "rate_limited");
        token(1, " goes on", 120_000);
        completed(1, null);

        assertThat(deliveries.readValuesToList()).extracting(DeliveryFrame::type, DeliveryFrame::text,
                        DeliveryFrame::member)
                .containsExactly(tuple(FrameType.STARTED, null, null),
                        tuple(FrameType.TOKEN, "Second", 1),
                        tuple(FrameType.TOKEN, " choice", 1),
                        tuple(FrameType.TOKEN, " goes on", 1),
                        tuple(FrameType.COMPLETED, null, 1));
    }

    @Test
    void shouldFallBackAndCancelThePrimaryWhenItsFirstTokenIsLate() {
        group(MergeMode.FALLBACK);
        started(0);
        started(1);
        token(1, "Backup", 80_000);
        driver.advanceWallClockTime(Duration.ofMillis(500));
        assertThat(deliveries.readValuesToList()).extracting(DeliveryFrame::type).containsExactly(FrameType.STARTED);

        driver.advanceWallClockTime(Duration.ofMillis(600));

        assertThat(controlOut.readValuesToList()).extracting(ControlCommand::streamId).containsExactly(M0);
        assertThat(deliveries.readValuesToList()).extracting(DeliveryFrame::text, DeliveryFrame::member)
                .containsExactly(tuple("Backup", 1));
        token(0, "Too late", 1_200_000);
        assertThat(deliveries.isEmpty()).isTrue();
    }

    @Test
    void shouldCompareMembersSideBySideThenSendAComparisonFrame() {
        group(MergeMode.COMPARE);
        started(0);
        started(1);
        token(1, "Kafka keeps", 80_000);
        token(0, "Kafka keeps", 300_000);
        token(1, " order", 100_000);
        token(0, " records", 400_000);
        completed(1, new Usage(5L, 2L, null, null));
        completed(0, new Usage(5L, 2L, null, null));

        List<DeliveryFrame> frames = deliveries.readValuesToList();
        assertThat(frames).extracting(DeliveryFrame::type, DeliveryFrame::member)
                .containsExactly(tuple(FrameType.STARTED, null),
                        tuple(FrameType.TOKEN, 1),
                        tuple(FrameType.TOKEN, 0),
                        tuple(FrameType.TOKEN, 1),
                        tuple(FrameType.TOKEN, 0),
                        tuple(FrameType.COMPARISON, null),
                        tuple(FrameType.COMPLETED, null));
        Comparison comparison = frames.get(5).comparison();
        assertThat(comparison.members()).extracting(Comparison.MemberResult::model)
                .containsExactly("sim-slow", "sim-fast");
        assertThat(comparison.members().get(0).ttftMillis()).isEqualTo(300.0);
        assertThat(comparison.members().get(1).ttftMillis()).isEqualTo(80.0);
        assertThat(comparison.members().get(1).outputTokens()).isEqualTo(2);
        assertThat(comparison.members().get(1).usage()).isEqualTo(new Usage(5L, 2L, null, null));
        assertThat(comparison.members().get(0).similarity()).isEqualTo(1.0);
        assertThat(comparison.members().get(1).similarity()).isEqualTo(2.0 * 2 / 6);
        assertThat(controlOut.isEmpty()).as("compare cancels nobody").isTrue();
    }

    @Test
    void shouldApplyPauseResumeAndCancelOfAGroupToItsMembers() {
        group(MergeMode.COMPARE);
        started(0);
        started(1);
        deliveries.readValuesToList();

        groupCommand(ControlAction.PAUSE);
        token(0, "held", 300_000);
        token(1, "held too", 90_000);
        assertThat(deliveries.readValuesToList()).extracting(DeliveryFrame::type).containsExactly(FrameType.PAUSED);

        groupCommand(ControlAction.RESUME);
        assertThat(deliveries.readValuesToList()).extracting(DeliveryFrame::type, DeliveryFrame::text)
                .containsExactly(tuple(FrameType.RESUMED, null),
                        tuple(FrameType.TOKEN, "held"),
                        tuple(FrameType.TOKEN, "held too"));

        groupCommand(ControlAction.CANCEL);
        token(0, " late", 500_000);
        assertThat(deliveries.readValuesToList()).extracting(DeliveryFrame::type)
                .containsExactly(FrameType.CANCELLED);
        List<StreamStats> all = stats.readValuesToList();
        assertThat(all.stream().filter(s -> s.streamId().equals(M0)).reduce((a, b) -> b).orElseThrow().state())
                .isEqualTo(StreamState.CANCELLED);
        assertThat(all.stream().filter(s -> s.streamId().equals(GROUP)).reduce((a, b) -> b).orElseThrow().state())
                .isEqualTo(StreamState.CANCELLED);
    }

    @Test
    void shouldHoldMemberFramesThatComeBeforeTheGroupsRequest() {
        started(1);
        token(1, "early", 80_000);
        assertThat(deliveries.isEmpty()).isTrue();

        group(MergeMode.RACE);

        assertThat(deliveries.readValuesToList()).extracting(DeliveryFrame::type, DeliveryFrame::text)
                .containsExactly(tuple(FrameType.STARTED, null),
                        tuple(FrameType.TOKEN, "early"));
        assertThat(controlOut.readValuesToList()).extracting(ControlCommand::streamId).containsExactly(M0);
    }

    @Test
    void shouldDeadLetterAMemberEventNotKeyedByItsGroup() {
        tokens.pipeInput(M0, TokenEvent.started(M0, 0, "simulator", "sim-slow", T0, T0, T0));

        assertThat(dlq.readValuesToList()).hasSize(1);
        assertThat(deliveries.isEmpty()).isTrue();
    }

    private void group(MergeMode mode) {
        for (int i = 0; i < TARGETS.size(); i++) {
            String id = Merge.memberId(GROUP, i);
            requests.pipeInput(GROUP, new StreamRequest(id, TARGETS.get(i).provider(), TARGETS.get(i).model(),
                    List.of(new ChatMessage("user", "hi")), null, T0, null, new Merge(GROUP, i, mode, TARGETS, 1000)));
        }
    }

    private void started(int member) {
        String id = Merge.memberId(GROUP, member);
        tokens.pipeInput(GROUP, TokenEvent.started(id, seqs[member]++, TARGETS.get(member).provider(),
                TARGETS.get(member).model(), T0, T0 + 1000, T0 + 1000));
    }

    private void token(int member, String text, long offsetMicros) {
        String id = Merge.memberId(GROUP, member);
        tokens.pipeInput(GROUP, TokenEvent.token(id, seqs[member]++, text, T0 + offsetMicros));
    }

    private void completed(int member, Usage usage) {
        String id = Merge.memberId(GROUP, member);
        tokens.pipeInput(GROUP, TokenEvent.completed(id, seqs[member]++, "stop", usage, T0 + 1_000_000));
    }

    private void failed(int member, String code) {
        String id = Merge.memberId(GROUP, member);
        tokens.pipeInput(GROUP, TokenEvent.failed(id, seqs[member]++, new ErrorInfo(code, code, true), null,
                T0 + 50_000));
    }

    private void groupCommand(ControlAction action) {
        control.pipeInput(GROUP, new ControlCommand("c-" + action, GROUP, action, T0 + 200_000));
    }

    private StreamStats groupStats() {
        return stats.readValuesToList().stream().filter(s -> s.streamId().equals(GROUP)).reduce((a, b) -> b)
                .orElseThrow();
    }
}
