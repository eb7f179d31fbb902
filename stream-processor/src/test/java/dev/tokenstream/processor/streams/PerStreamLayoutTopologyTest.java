package dev.tokenstream.processor.streams;

import dev.tokenstream.events.ControlAction;
import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.JsonSerde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-stream topic layout: each stream's events in a topic of its own, read by pattern, re-keyed. */
class PerStreamLayoutTopologyTest {

    private static final long T0 = 1_700_000_000_000_000L;
    private TopologyTestDriver driver;

    @AfterEach
    void tearDown() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void shouldReadEachStreamsOwnTopicAndApplyItsCommandsAsInTheSharedLayout() {
        var props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "per-stream-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(StreamTopology.build(StreamTopology.Settings.defaults().perStream(3)), props);
        var serde = JsonSerde.of(TokenEvent.class);
        var first = driver.createInputTopic(Topics.TOKENS + ".s1", new StringSerializer(), serde);
        var second = driver.createInputTopic(Topics.TOKENS + ".s2", new StringSerializer(), serde);
        var control = driver.createInputTopic(Topics.CONTROL, new StringSerializer(), JsonSerde.of(ControlCommand.class));
        TestOutputTopic<String, DeliveryFrame> deliveries = driver.createOutputTopic(Topics.DELIVERIES,
                new StringDeserializer(), JsonSerde.of(DeliveryFrame.class));

        first.pipeInput("s1", TokenEvent.started("s1", 0, "simulator", "sim-fast", T0, T0, T0));
        second.pipeInput("s2", TokenEvent.started("s2", 0, "simulator", "sim-fast", T0, T0, T0));
        first.pipeInput("s1", TokenEvent.token("s1", 1, "one", T0 + 1));
        control.pipeInput("s1", new ControlCommand("c1", "s1", ControlAction.PAUSE, T0 + 2));
        first.pipeInput("s1", TokenEvent.token("s1", 2, " held", T0 + 3));
        second.pipeInput("s2", TokenEvent.token("s2", 1, "two", T0 + 4));

        var frames = deliveries.readKeyValuesToList();
        assertThat(frames).filteredOn(kv -> kv.key.equals("s1")).extracting(kv -> kv.value.type())
                .containsExactly(FrameType.STARTED, FrameType.TOKEN, FrameType.PAUSED);
        assertThat(frames).filteredOn(kv -> kv.key.equals("s2")).extracting(kv -> kv.value.text())
                .containsExactly(null, "two");
    }

    @Test
    void shouldDescribeThePatternSourceAndTheRepartitionTopic() {
        String description = StreamTopology.build(StreamTopology.Settings.defaults().perStream(3)).describe().toString();

        assertThat(description)
                .contains("Source: tokens-source (topics: \\Qtokenstream.tokens.\\E.+)")
                .contains("tokens-by-stream-repartition")
                .contains("Processor: stream-state-machine (stores: [stream-state, pause-buffer, merge-groups])");
    }
}
