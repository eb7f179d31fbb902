package dev.tokenstream.replay;

import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.Merge;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.TokenEventKind;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.DeliveryFrameRecords;
import dev.tokenstream.events.serde.Json;
import dev.tokenstream.events.serde.JsonSerde;
import dev.tokenstream.events.serde.TokenEventRecords;
import dev.tokenstream.testsupport.RecordedStreams;
import dev.tokenstream.testsupport.TestKafka;
import dev.tokenstream.testsupport.TopicProbe;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Reads recorded streams back from a real broker (Kafka's KRaft test kit). */
class StreamLogTest {

    @BeforeAll
    static void topics() {
        TestKafka.createContractTopics(3);
    }

    @Test
    void shouldReadAStreamWithItsTimingAndPauses() {
        String id = RecordedStreams.completed(2000);
        TopicProbe.sendRaw(Topics.TOKENS, id, "{poison");

        try (var log = new StreamLog(TestKafka.bootstrapServers())) {
            RecordedStream stream = log.read(id);
            assertThat(stream.text()).isEqualTo(String.join("", RecordedStreams.TOKENS));
            assertThat(stream.events()).extracting(e -> e.event().seq()).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
            assertThat(stream.topic()).isEqualTo(Topics.TOKENS);

            StreamSummary summary = StreamSummary.of(stream);
            assertThat(summary.end()).isEqualTo("completed");
            assertThat(summary.ttftMillis()).isEqualTo(110.0);
            assertThat(summary.upstreamTtftMillis()).isEqualTo(100.0);
            assertThat(summary.itlP50Millis()).isCloseTo(20.0, within(0.1));
            assertThat(summary.tokensPerSecond()).isCloseTo(50.0, within(0.01));
            assertThat(summary.pauses()).isEqualTo(1);
            assertThat(summary.pausedMillis()).isEqualTo(2000.0);
            assertThat(summary.usage().outputTokens()).isEqualTo(7L);
        }
    }

    @Test
    void shouldReadACancelledStream() {
        String id = RecordedStreams.cancelled();

        try (var log = new StreamLog(TestKafka.bootstrapServers())) {
            StreamSummary summary = StreamSummary.of(log.read(id));
            assertThat(summary.end()).isEqualTo("cancelled");
            assertThat(summary.tokens()).isEqualTo(3);
        }
    }

    @Test
    void shouldReadAMergeGroupMemberKeyedByItsGroup() {
        String group = "group-" + UUID.randomUUID();
        String member = Merge.memberId(group, 1);
        String sibling = Merge.memberId(group, 0);
        var serde = JsonSerde.of(TokenEvent.class);
        TopicProbe.send(Topics.TOKENS, group, TokenEvent.started(member, 0, "simulator", "sim-fast", 1L, 1L, 1L), serde);
        TopicProbe.send(Topics.TOKENS, group, TokenEvent.started(sibling, 0, "simulator", "sim-slow", 1L, 1L, 1L),
                serde);
        TopicProbe.send(Topics.TOKENS, group, TokenEvent.token(member, 1, "mine", 2L), serde);
        TopicProbe.send(Topics.TOKENS, group, TokenEvent.token(sibling, 1, "not mine", 2L), serde);
        TopicProbe.send(Topics.TOKENS, group, TokenEvent.completed(member, 2, "stop", null, 3L), serde);

        try (var log = new StreamLog(TestKafka.bootstrapServers())) {
            RecordedStream stream = log.read(member);
            assertThat(stream.text()).isEqualTo("mine");
            assertThat(stream.events()).extracting(e -> e.event().streamId()).containsOnly(member);
        }
    }

    @Test
    void shouldReadAStreamWhoseEventsShareKeylessRecordsWithOtherStreams() {
        String id = "lane-" + UUID.randomUUID();
        String other = "lane-other-" + UUID.randomUUID();
        TopicProbe.sendToPartitionOf(Topics.TOKENS, id, id, TokenEventRecords.encode(
                TokenEvent.started(id, 0, "simulator", "sim-fast", 1L, 1L, 1L)));
        TopicProbe.sendToPartitionOf(Topics.TOKENS, id, null, TokenEventRecords.batch(List.of(
                TokenEventRecords.encode(TokenEvent.started(other, 0, "simulator", "sim-fast", 1L, 1L, 1L)),
                TokenEventRecords.encode(TokenEvent.token(id, 1, "shared ", 2L)),
                TokenEventRecords.encode(TokenEvent.token(other, 1, "not mine", 2L)),
                TokenEventRecords.encode(TokenEvent.token(id, 2, "record", 3L)))));
        TopicProbe.sendToPartitionOf(Topics.TOKENS, id, id, TokenEventRecords.encode(
                TokenEvent.completed(id, 3, "stop", null, 4L)));

        try (var log = new StreamLog(TestKafka.bootstrapServers())) {
            RecordedStream stream = log.read(id);
            assertThat(stream.text()).isEqualTo("shared record");
            assertThat(stream.events()).extracting(e -> e.event().seq()).containsExactly(0L, 1L, 2L, 3L);
            assertThat(stream.events()).extracting(e -> e.event().streamId()).containsOnly(id);
        }
    }

    @Test
    void shouldReadAStreamsDeliveryFramesFromKeyedRecordsAndFromArraysOfSeveralStreams() throws Exception {
        String id = "frames-" + UUID.randomUUID();
        String other = "frames-other-" + UUID.randomUUID();
        TopicProbe.sendToPartitionOf(Topics.DELIVERIES, id, id, DeliveryFrameRecords.encode(
                new DeliveryFrame(FrameType.STARTED, id, 0, null, 1L, null, null, null)));
        TopicProbe.sendToPartitionOf(Topics.DELIVERIES, id, null, DeliveryFrameRecords.batch(List.of(
                DeliveryFrameRecords.encode(DeliveryFrame.token(other, 0, "not mine", 2L)),
                DeliveryFrameRecords.encode(DeliveryFrame.token(id, 1, "mine", 2L)),
                DeliveryFrameRecords.encode(DeliveryFrame.token(id, 2, " too", 3L)))));

        try (var log = new StreamLog(TestKafka.bootstrapServers())) {
            List<String> frames = log.deliveryFrames(id);
            assertThat(frames).hasSize(3);
            List<DeliveryFrame> read = new ArrayList<>();
            for (String frame : frames) {
                read.add(Json.MAPPER.readValue(frame, DeliveryFrame.class));
            }
            assertThat(read).extracting(DeliveryFrame::seq).containsExactly(0L, 1L, 2L);
            assertThat(read).extracting(DeliveryFrame::streamId).containsOnly(id);
        }
    }

    @Test
    void shouldReadAPerStreamTopicWhenItExists() {
        String id = "own-topic-" + UUID.randomUUID();
        String topic = Topics.TOKENS + "." + id;
        TestKafka.createTopics(1, topic);
        TopicProbe.send(topic, id, TokenEvent.started(id, 0, "simulator", "sim-fast", 1L, 1L, 1L),
                JsonSerde.of(TokenEvent.class));
        TopicProbe.send(topic, id, TokenEvent.token(id, 1, "solo", 5L), JsonSerde.of(TokenEvent.class));

        try (var log = new StreamLog(TestKafka.bootstrapServers())) {
            RecordedStream stream = log.read(id);
            assertThat(stream.topic()).isEqualTo(topic);
            assertThat(stream.text()).isEqualTo("solo");
            assertThat(stream.end()).isEmpty();
        }
    }

    @Test
    void shouldSayWhenAStreamNeverExisted() {
        try (var log = new StreamLog(TestKafka.bootstrapServers())) {
            assertThatThrownBy(() -> log.read("never-" + UUID.randomUUID()))
                    .isInstanceOfSatisfying(ReplayException.class,
                            e -> assertThat(e.reason()).isEqualTo(ReplayException.Reason.NEVER_EXISTED))
                    .hasMessageContaining("no stream with id never-");
        }
    }

    @Test
    void shouldSayWhenAStreamIsOlderThanRetention() {
        String id = RecordedStreams.expired();

        try (var log = new StreamLog(TestKafka.bootstrapServers())) {
            assertThatThrownBy(() -> log.read(id))
                    .isInstanceOfSatisfying(ReplayException.class,
                            e -> assertThat(e.reason()).isEqualTo(ReplayException.Reason.EXPIRED))
                    .hasMessageContaining("older than the retention of tokenstream.tokens")
                    .hasMessageContaining("retention.ms");
        }
    }

    @Test
    void shouldFindEveryStreamsLatestStats() {
        String id = RecordedStreams.cancelled();

        try (var log = new StreamLog(TestKafka.bootstrapServers())) {
            assertThat(log.allStats()).containsKey(id);
            assertThat(log.allStats().get(id).finishReason()).isEqualTo("cancelled");
        }
    }

    @Test
    void shouldScoreTextSimilarityByWordsInOrder() {
        assertThat(TextSimilarity.ratio("Kafka keeps order.", "kafka keeps order")).isEqualTo(1.0);
        assertThat(TextSimilarity.ratio("a b c d", "a x c y")).isEqualTo(0.5);
        assertThat(TextSimilarity.ratio("one two", "three four")).isZero();
        assertThat(TextSimilarity.ratio("", "")).isEqualTo(1.0);
        assertThat(TokenEventKind.TOKEN.isTerminal()).isFalse();
    }
}
