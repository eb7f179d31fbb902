package dev.tokenstream.processor.streams;

import dev.tokenstream.events.ControlAction;
import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.ModelStats;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.JsonSerde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Per provider and model, one-minute windows of started, ended, TTFT and ITL, from streams through the topology. */
class ModelStatsTopologyTest {

    /** A minute boundary, so the windows are easy to name. */
    private static final long MINUTE = 28_333_333L * 60_000;
    private static final long T0 = MINUTE * 1000;

    private TopologyTestDriver driver;
    private TestInputTopic<String, TokenEvent> tokens;
    private TestInputTopic<String, ControlCommand> control;
    private TestOutputTopic<String, ModelStats> modelStats;

    @BeforeEach
    void setUp() {
        var props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "model-stats-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(StreamTopology.build(StreamTopology.Settings.defaults()), props,
                Instant.ofEpochMilli(MINUTE + 1000));
        tokens = driver.createInputTopic(Topics.TOKENS, new StringSerializer(), JsonSerde.of(TokenEvent.class));
        control = driver.createInputTopic(Topics.CONTROL, new StringSerializer(), JsonSerde.of(ControlCommand.class));
        modelStats = driver.createOutputTopic(Topics.MODEL_STATS, new StringDeserializer(),
                JsonSerde.of(ModelStats.class));
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    @Test
    void shouldCountAModelsStreamsAndLatenciesInOneMinuteWindows() {
        stream("a", "sim-fast", 100_000, 20_000, 11, true);
        stream("b", "sim-fast", 300_000, 40_000, 6, false);
        control.pipeInput("b", new ControlCommand("c1", "b", ControlAction.CANCEL, T0 + 900_000));
        stream("c", "sim-slow", 1_200_000, 80_000, 3, true);

        Map<String, ModelStats> latest = latest();
        ModelStats fast = latest.get("simulator/sim-fast@" + MINUTE);
        assertThat(fast.started()).isEqualTo(2);
        assertThat(fast.completed()).isEqualTo(1);
        assertThat(fast.cancelled()).isEqualTo(1);
        assertThat(fast.failed()).isZero();
        assertThat(fast.windowEndMillis() - fast.windowStartMillis()).isEqualTo(60_000);
        assertThat(fast.ttftP50Millis()).isCloseTo(100.0, within(1.0));
        assertThat(fast.ttftP95Millis()).isCloseTo(300.0, within(3.0));
        // 10 gaps of 20 ms (a) and 5 of 40 ms (b)
        assertThat(fast.itlP50Millis()).isCloseTo(20.0, within(0.2));
        assertThat(fast.itlP99Millis()).isCloseTo(40.0, within(0.4));
        assertThat(fast.outputTokens()).isEqualTo(17);
        assertThat(latest.get("simulator/sim-slow@" + MINUTE).ttftP50Millis()).isCloseTo(1200.0, within(12.0));

        driver.advanceWallClockTime(Duration.ofMinutes(1));
        stream("d", "sim-fast", 100_000, 20_000, 2, true);

        assertThat(latest().get("simulator/sim-fast@" + (MINUTE + 60_000)).started()).isEqualTo(1);
        ReadOnlyWindowStore<String, ModelWindow> store = driver.getWindowStore(StreamTopology.MODEL_WINDOW_STORE);
        assertThat(store.fetch("simulator/sim-fast", Instant.ofEpochMilli(MINUTE),
                Instant.ofEpochMilli(MINUTE + 60_000))).toIterable().hasSize(2);
    }

    /** A stream of {@code count} tokens, the first after {@code ttftMicros}, then one every {@code gapMicros}. */
    private void stream(String id, String model, long ttftMicros, long gapMicros, int count, boolean complete) {
        long accepted = T0;
        tokens.pipeInput(id, TokenEvent.started(id, 0, "simulator", model, accepted, accepted, accepted));
        for (int i = 0; i < count; i++) {
            tokens.pipeInput(id, TokenEvent.token(id, i + 1, "t", accepted + ttftMicros + i * gapMicros));
        }
        if (complete) {
            tokens.pipeInput(id, TokenEvent.completed(id, count + 1, "stop", null, accepted + 2_000_000));
        }
    }

    private Map<String, ModelStats> latest() {
        Map<String, ModelStats> latest = new LinkedHashMap<>();
        List<KeyValue<String, ModelStats>> all = modelStats.readKeyValuesToList();
        all.forEach(kv -> latest.put(kv.key, kv.value));
        return latest;
    }
}
