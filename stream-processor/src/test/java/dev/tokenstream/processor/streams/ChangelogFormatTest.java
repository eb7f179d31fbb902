package dev.tokenstream.processor.streams;

import dev.tokenstream.events.ControlAction;
import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.Merge;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.Usage;
import dev.tokenstream.events.serde.JsonSerde;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@link StreamTopology#STATE_STORE}'s stored format across builds. The fixtures under {@code changelog/} were
 * written by the processor of 2026-12-02 (format 1): a stream paused with two events held, a window-mode stream
 * with text pending, and a compare group with one member ended, with what that processor then delivered. A processor of this build must take both over as
 * that one would have gone on (a rolling upgrade), and write format 2 exactly as committed.
 */
class ChangelogFormatTest {

    private static final long T0 = 1_700_000_000_000_000L;
    private static final String PAUSED = "stream-v1";
    private static final String WINDOWED = "stream-w1";

    private final StreamProgressSerde serde = new StreamProgressSerde();
    private TopologyTestDriver driver;
    private TestInputTopic<String, TokenEvent> tokens;
    private TestInputTopic<String, ControlCommand> control;
    private TestOutputTopic<String, byte[]> deliveries;
    private TestOutputTopic<String, byte[]> stats;

    @BeforeEach
    void setUp() {
        var props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "changelog-format-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(StreamTopology.build(StreamTopology.Settings.defaults(),
                new StreamMetrics(new SimpleMeterRegistry())), props, Instant.ofEpochMilli(T0 / 1000));
        tokens = driver.createInputTopic(Topics.TOKENS, new StringSerializer(), JsonSerde.of(TokenEvent.class));
        control = driver.createInputTopic(Topics.CONTROL, new StringSerializer(), JsonSerde.of(ControlCommand.class));
        deliveries = driver.createOutputTopic(Topics.DELIVERIES, new StringDeserializer(),
                new ByteArrayDeserializer());
        stats = driver.createOutputTopic(Topics.STREAM_STATS, new StringDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    @Test
    void shouldReadEveryPartOfFormatOne() throws IOException {
        StreamProgress progress = serde.deserialize("t", fixture("stream-state-v1-paused.json"));

        assertThat(progress.lifecycle().state()).isEqualTo(StreamState.PAUSED);
        assertThat(progress.lifecycle().attempt()).isEqualTo(2L);
        assertThat(progress.lifecycle().lastEventSeq()).isEqualTo(7);
        assertThat(progress.lifecycle().contentEvents()).isEqualTo(7);
        assertThat(progress.pause().heldEvents()).isEqualTo(2);
        assertThat(progress.pause().pausedSinceMillis()).isEqualTo(T0 / 1000);
        assertThat(progress.statistics().tokenCount()).isEqualTo(4);
        assertThat(progress.statistics().provider()).isEqualTo("simulator");
        assertThat(progress.statistics().itlHistogram()).isNotEmpty();
        assertThat(progress.tenant().tenant()).isEqualTo("acme");
        assertThat(progress.pending().isEmpty()).isTrue();
    }

    @Test
    void shouldWriteFormatTwoExactlyAsCommitted() throws IOException {
        StreamProgress upgraded = serde.deserialize("t", fixture("stream-state-v1-paused.json"));
        byte[] written = serde.serialize("t", upgraded);

        assertThat(new String(written, StandardCharsets.UTF_8)).as("a changed stored name is a new format")
                .isEqualTo(new String(fixture("stream-state-v2-paused.json"), StandardCharsets.UTF_8).strip());
        assertThat(serde.serialize("t", serde.deserialize("t", written))).isEqualTo(written);
    }

    @Test
    void shouldCarryOnAStreamPausedByThePreviousBuild() throws IOException {
        seed(PAUSED, "stream-state-v1-paused.json");
        KeyValueStore<String, TokenEvent> held = driver.getKeyValueStore(StreamTopology.PAUSE_BUFFER_STORE);
        for (String line : text("stream-v1-pause-buffer.tsv").split("\n")) {
            String[] keyAndValue = line.split("\t", 2);
            held.put(keyAndValue[0], JsonSerde.of(TokenEvent.class).deserialize("t",
                    keyAndValue[1].getBytes(StandardCharsets.UTF_8)));
        }

        control.pipeInput(PAUSED, new ControlCommand("r1", PAUSED, ControlAction.RESUME, T0 + 10_000));
        tokens.pipeInput(PAUSED, TokenEvent.token(PAUSED, 8, "!", T0 + 11_000).withAttempt(2));
        tokens.pipeInput(PAUSED, TokenEvent.completed(PAUSED, 9, "stop", new Usage(5L, 7L, null, null),
                T0 + 12_000).withAttempt(2));

        List<String> frames = deliveries.readValuesToList().stream()
                .map(bytes -> new String(bytes, StandardCharsets.UTF_8)).toList();
        assertThat(frames).as("what the previous build delivered after the same resume")
                .containsExactlyElementsOf(text("stream-v1-frames-after-resume.jsonl").lines().toList());
        List<byte[]> all = stats.readValuesToList();
        assertThat(new String(all.get(all.size() - 1), StandardCharsets.UTF_8))
                .isEqualTo(text("stream-v1-final-stats.json").strip());
    }

    @Test
    void shouldFinishAWindowFrameLeftPendingByThePreviousBuild() throws IOException {
        seed(WINDOWED, "stream-state-v1-window.json");

        tokens.pipeInput(WINDOWED, TokenEvent.token(WINDOWED, 3, " you", T0 + 300_000).withAttempt(1));
        tokens.pipeInput(WINDOWED, TokenEvent.completed(WINDOWED, 4, "stop", null, T0 + 301_000).withAttempt(1));

        List<DeliveryFrame> frames = deliveries.readValuesToList().stream()
                .map(bytes -> JsonSerde.of(DeliveryFrame.class).deserialize("t", bytes)).toList();
        assertThat(frames).extracting(DeliveryFrame::type)
                .containsExactly(FrameType.TOKEN, FrameType.TOKEN, FrameType.COMPLETED);
        assertThat(frames).extracting(DeliveryFrame::text).containsExactly("Hi there", " you", null);
        assertThat(frames).extracting(DeliveryFrame::seq).containsExactly(1L, 2L, 3L);
        assertThat(frames.get(0).tokens()).isEqualTo(2);
    }

    @Test
    void shouldCarryOnAMergeGroupOfThePreviousBuild() throws IOException {
        String group = "g1";
        seed(Merge.memberId(group, 0), "stream-state-v2-member-running.json");
        seed(Merge.memberId(group, 1), "stream-state-v2-member-ended.json");
        KeyValueStore<String, GroupProgress> groups = driver.getKeyValueStore(StreamTopology.GROUP_STORE);
        GroupProgress formatOne = new GroupProgressSerde().deserialize("t", fixture("merge-group-v1-compare.json"));
        groups.put(group, formatOne);

        String member = Merge.memberId(group, 0);
        tokens.pipeInput(group, TokenEvent.token(member, 2, " records", T0 + 400_000));
        tokens.pipeInput(group, TokenEvent.completed(member, 3, "stop", new Usage(5L, 2L, null, null),
                T0 + 1_000_000));

        List<String> frames = deliveries.readValuesToList().stream()
                .map(bytes -> new String(bytes, StandardCharsets.UTF_8)).toList();
        assertThat(frames).as("the member's token, the comparison and the end, as the previous build made them")
                .containsExactlyElementsOf(text("merge-group-v1-frames-after.jsonl").lines().toList());
        byte[] written = new GroupProgressSerde().serialize("t", formatOne);
        assertThat(new String(written, StandardCharsets.UTF_8)).startsWith("{\"format\":2,");
        assertThat(new GroupProgressSerde().serialize("t", new GroupProgressSerde().deserialize("t", written)))
                .isEqualTo(written);
    }

    @Test
    void shouldRefuseAFormatNewerThanItsOwn() {
        assertThatThrownBy(() -> serde.deserialize("t", "{\"format\":99}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("format 99");
        assertThatThrownBy(() -> serde.deserialize("t", "[1]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class);
        assertThatThrownBy(() -> new GroupProgressSerde().deserialize("t",
                "{\"format\":3}".getBytes(StandardCharsets.UTF_8))).isInstanceOf(SerializationException.class);
    }

    private void seed(String id, String fixture) throws IOException {
        KeyValueStore<String, StreamProgress> states = driver.getKeyValueStore(StreamTopology.STATE_STORE);
        states.put(id, serde.deserialize("t", fixture(fixture)));
    }

    private static byte[] fixture(String name) throws IOException {
        try (InputStream in = ChangelogFormatTest.class.getResourceAsStream("/changelog/" + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    private static String text(String name) throws IOException {
        return new String(fixture(name), StandardCharsets.UTF_8);
    }
}
