package dev.tokenstream.processor.streams;

import dev.tokenstream.events.Buffering;
import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.ModelSample;
import dev.tokenstream.events.ModelStats;
import dev.tokenstream.events.StreamRequest;
import dev.tokenstream.events.StreamStats;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.TenantSample;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.JsonSerde;
import dev.tokenstream.events.serde.TokenEventRecords;
import dev.tokenstream.processor.config.ProcessorConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.Stores;

import java.time.Duration;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The processor's topology, built without CDI so topology tests need no container:
 * <pre>
 * tokens-source   -> decode-tokens   --+--> stream-state-machine --> deliveries-sink (tokenstream.deliveries)
 * control-source  -> decode-control  --+     [stream-state,       --> stream-stats-sink (tokenstream.stream-stats)
 * requests-source -> decode-requests --+      pause-buffer,       --> control-sink (tokenstream.control): cancel of
 *                      |                      merge-groups]           stalled streams and of merge-group losers
 *                      +--> dlq-sink (tokenstream.dlq) &lt;-- undecodable records
 * </pre>
 * The tokens, control and requests topics must have the same number of partitions: a stream's events, commands
 * and request (and a merge group's, all keyed by the group's id) meet in one task by partition number. The
 * requests topic is read for merge groups only: a member's request tells the group its mode and targets. Store names are part of the changelog topic names: renaming one orphans its
 * changelog, which the {@code topology.describe()} test catches.
 */
public final class StreamTopology {

    public static final String TOKENS_SOURCE = "tokens-source";
    public static final String CONTROL_SOURCE = "control-source";
    public static final String REQUESTS_SOURCE = "requests-source";
    public static final String DECODE_TOKENS = "decode-tokens";
    public static final String DECODE_CONTROL = "decode-control";
    public static final String DECODE_REQUESTS = "decode-requests";
    public static final String STATE_MACHINE = "stream-state-machine";
    public static final String DELIVERIES_SINK = "deliveries-sink";
    public static final String STATS_SINK = "stream-stats-sink";
    public static final String DLQ_SINK = "dlq-sink";
    /** Samples of each stream for its model's windowed statistics (tokenstream.model-samples). */
    public static final String MODEL_SAMPLES_SINK = "model-samples-sink";
    public static final String MODEL_SAMPLES_SOURCE = "model-samples-source";
    public static final String MODEL_STATS_SINK = "model-stats-sink";
    /** Each stream's requests, output tokens and end for its tenant's usage (tokenstream.tenant-samples). */
    public static final String TENANT_SAMPLES_SINK = "tenant-samples-sink";
    public static final String TENANT_SAMPLES_SOURCE = "tenant-samples-source";
    /** Per tenant: running streams and the current minute's requests and output tokens ({@link TenantWindow}). */
    public static final String TENANT_USAGE_STORE = "tenant-usage";
    /** Per provider/model and one-minute window: counts and histograms ({@link ModelWindow}); queryable. */
    public static final String MODEL_WINDOW_STORE = "model-windows";
    /** Per-stream layout: the internal topic stream events are re-keyed through. */
    public static final String PER_STREAM_REPARTITION = "tokens-by-stream";
    /** Cancel commands for stalled streams, so ingest closes their upstream calls. */
    public static final String CONTROL_SINK = "control-sink";
    /** Per stream: state, seqs and statistics ({@link StreamProgress}). */
    public static final String STATE_STORE = "stream-state";
    /** Token events held while a stream is paused, keyed {@code streamId/seq}. */
    public static final String PAUSE_BUFFER_STORE = "pause-buffer";
    /** Per merge group: its members as the group sees them, its state and decision ({@link GroupProgress}). */
    public static final String GROUP_STORE = "merge-groups";

    public static final Duration MODEL_WINDOW = Duration.ofMinutes(1);
    static final Duration MODEL_WINDOW_GRACE = Duration.ofSeconds(10);
    static final Duration MODEL_WINDOW_RETENTION = Duration.ofHours(1);

    private StreamTopology() {
    }

    /**
     * The topology's parameters, in named groups rather than one long positional list.
     *
     * @param topics              the topics it reads and writes
     * @param bounds              how long a stream may stay in a state before the sweep ends it
     * @param timers              the wall-clock punctuations
     * @param defaultBuffering    coalescing of streams whose request sets none
     * @param statsEveryTokens    statistics every this many tokens
     * @param perStreamPartitions 0 for the shared layout (token events in {@code topics.tokens()}); for the
     *                            per-stream layout (each stream in {@code <tokens>.<streamId>}, read by pattern) the
     *                            partitions of the control topic, into which the events are re-keyed
     */
    public record Settings(TopicNames topics, Bounds bounds, Timers timers, Buffering defaultBuffering,
                           int statsEveryTokens, int perStreamPartitions) {

        /** @return the contract's topic names and the documented defaults */
        public static Settings defaults() {
            return new Settings(TopicNames.defaults(), new Bounds(Duration.ofMinutes(2), Duration.ofMinutes(30),
                    Duration.ofMinutes(5), Duration.ofHours(1)), new Timers(Duration.ofSeconds(5),
                    Duration.ofMillis(10)), Buffering.NONE, 25, 0);
        }

        /** @return the same settings in the per-stream layout, re-keyed into {@code partitions} partitions */
        public Settings perStream(int partitions) {
            return new Settings(topics, bounds, timers, defaultBuffering, statsEveryTokens, partitions);
        }

        /** @return the same settings with {@code buffering} for streams whose request sets none */
        public Settings withDefaultBuffering(Buffering buffering) {
            return new Settings(topics, bounds, timers, buffering, statsEveryTokens, perStreamPartitions);
        }
    }

    /**
     * The topics the topology reads and writes.
     *
     * @param requests     input: stream requests (merge group members')
     * @param tokens       input: token events
     * @param control      input: control commands; output: cancels of stalled streams and merge-group losers
     * @param deliveries   output: delivery frames
     * @param stats        output: stream statistics
     * @param dlq          output: dead letters
     * @param modelSamples output and input: samples for the model statistics
     * @param modelStats   output: model statistics per one-minute window
     */
    public record TopicNames(String requests, String tokens, String control, String deliveries, String stats,
                             String dlq, String modelSamples, String modelStats) {

        /** @return the contract's names ({@link Topics}) */
        public static TopicNames defaults() {
            return new TopicNames(Topics.REQUESTS, Topics.TOKENS, Topics.CONTROL, Topics.DELIVERIES,
                    Topics.STREAM_STATS, Topics.DLQ, Topics.MODEL_SAMPLES, Topics.MODEL_STATS);
        }
    }

    /**
     * How long an open stream may stay as it is, and how long a finished one is kept.
     *
     * @param stallTimeout   silence after which a started stream fails as stalled
     * @param maxPause       how long a stream may stay paused before it fails as pause_expired
     * @param startDeadline  how long a requested stream may wait for its first event before it fails as not_started
     * @param retainTerminal how long the state of a finished stream is kept
     */
    public record Bounds(Duration stallTimeout, Duration maxPause, Duration startDeadline, Duration retainTerminal) {
    }

    /**
     * The wall-clock punctuations.
     *
     * @param sweepInterval interval of the sweep for stalled and expired streams
     * @param windowTick    interval of the check for due window-mode flushes and fallback first-token timeouts
     */
    public record Timers(Duration sweepInterval, Duration windowTick) {
    }

    /**
     * @param perStreamPartitions 0 in the shared layout; in the per-stream layout, the control topic's partitions
     * @return the topology for the service's configuration, its metrics in {@code metrics}
     */
    public static Topology build(ProcessorConfig config, int perStreamPartitions, StreamMetrics metrics) {
        var topics = new TopicNames(config.requestsTopic(), config.tokensTopic(), config.controlTopic(),
                config.deliveriesTopic(), config.statsTopic(), config.dlqTopic(), config.modelSamplesTopic(),
                config.modelStatsTopic());
        var bounds = new Bounds(config.stallTimeout(), config.maxPause(), config.startDeadline(),
                config.retainTerminal());
        var buffering = new Buffering(Buffering.Mode.fromWire(config.defaultBufferingMode()),
                config.defaultBufferingSize());
        return build(new Settings(topics, bounds, new Timers(config.sweepInterval(), config.windowTick()), buffering,
                config.statsEveryTokens(), perStreamPartitions), metrics);
    }

    /** @return the topology for {@code settings}, its metrics in a registry of its own */
    public static Topology build(Settings settings) {
        return build(settings, new StreamMetrics(new SimpleMeterRegistry()));
    }

    /** @return the topology for {@code settings}, its metrics in {@code metrics} */
    public static Topology build(Settings settings, StreamMetrics metrics) {
        var tokenSerde = JsonSerde.of(TokenEvent.class);
        var commandSerde = JsonSerde.of(ControlCommand.class);
        var builder = new StreamsBuilder();
        modelStatistics(builder, settings);
        tenantUsage(builder);
        Supplier<DecodeProcessor<TokenEvent>> decodeTokens = () -> new DecodeProcessor<>(tokenSerde,
                new TokenEventRecords(), TokenEvent::streamId,
                event -> event.kind() == null ? "record has no kind"
                : event.batchWellFormed() ? null : "its batch's token lengths do not add up to its text",
                StreamInput.Token::new, StreamInput.Tokens::new, metrics);
        if (settings.perStreamPartitions() > 0) {
            perStreamTokens(builder, settings, decodeTokens);
        }
        var topology = builder.build();
        if (settings.perStreamPartitions() == 0) {
            topology.addSource(TOKENS_SOURCE, new StringDeserializer(), new ByteArrayDeserializer(),
                    settings.topics().tokens());
            topology.addProcessor(DECODE_TOKENS, decodeTokens::get, TOKENS_SOURCE);
        }
        topology.addSource(CONTROL_SOURCE, new StringDeserializer(), new ByteArrayDeserializer(),
                settings.topics().control());
        topology.addSource(REQUESTS_SOURCE, new StringDeserializer(), new ByteArrayDeserializer(),
                settings.topics().requests());
        topology.addProcessor(DECODE_CONTROL, () -> new DecodeProcessor<>(commandSerde, null,
                ControlCommand::streamId, command -> command.action() == null ? "record has no action" : null,
                StreamInput.Control::new, null, metrics), CONTROL_SOURCE);
        topology.addProcessor(DECODE_REQUESTS, () -> new DecodeProcessor<>(JsonSerde.of(StreamRequest.class), null,
                StreamRequest::streamId, request -> null, StreamInput.Request::new, null, metrics), REQUESTS_SOURCE);
        topology.addProcessor(STATE_MACHINE, () -> new StreamStateMachine(settings, metrics), DECODE_TOKENS,
                DECODE_CONTROL, DECODE_REQUESTS);
        // All three cached: their changelogs get the latest values together at each commit, with the input offsets,
        // so a crash restores them to one consistent point and the records after it are processed again from there
        // (a stream's progress, its held tokens and its group never disagree; docs/design.md "Crash and restart").
        // The streams' states are also written behind: encoded once per commit, not at every event. All three are
        // fenced: a task of a process that stood still writes none of them (StoppedThreadCheck).
        topology.addStateStore(WriteBehindStore.builder(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(STATE_STORE), Serdes.String(), new StreamProgressSerde())
                .withCachingEnabled()), STATE_MACHINE);
        topology.addStateStore(FencedStore.wrapping(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(
                PAUSE_BUFFER_STORE), Serdes.String(), tokenSerde).withCachingEnabled()), STATE_MACHINE);
        topology.addStateStore(FencedStore.wrapping(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(
                GROUP_STORE), Serdes.String(), new GroupProgressSerde()).withCachingEnabled()), STATE_MACHINE);
        topology.addSink(DELIVERIES_SINK, settings.topics().deliveries(), new StringSerializer(),
                new DeliveryRecords(), new DeliveryRecords(), STATE_MACHINE);
        topology.addSink(STATS_SINK, settings.topics().stats(), new StringSerializer(), JsonSerde.of(StreamStats.class),
                STATE_MACHINE);
        topology.addSink(DLQ_SINK, settings.topics().dlq(), new StringSerializer(), new ByteArraySerializer(),
                DECODE_TOKENS, DECODE_CONTROL, DECODE_REQUESTS, STATE_MACHINE);
        topology.addSink(CONTROL_SINK, settings.topics().control(), new StringSerializer(), commandSerde, STATE_MACHINE);
        topology.addSink(MODEL_SAMPLES_SINK, settings.topics().modelSamples(), new StringSerializer(),
                JsonSerde.of(ModelSample.class), STATE_MACHINE);
        topology.addSink(TENANT_SAMPLES_SINK, Topics.TENANT_SAMPLES, new StringSerializer(),
                JsonSerde.of(TenantSample.class), STATE_MACHINE);
        return topology;
    }

    /**
     * The model statistics, with the DSL: samples (keyed {@code provider/model}, so no repartition) counted into
     * one-minute tumbling windows ({@link #MODEL_WINDOW_STORE}, kept an hour for queries), every update written to
     * the compacted model-stats topic keyed {@code provider/model@windowStart}, whose last record of a window is
     * its final count. Windows are by the samples' timestamps, the processor's wall clock.
     */
    private static void modelStatistics(StreamsBuilder builder, Settings settings) {
        builder.stream(settings.topics().modelSamples(), Consumed.with(Serdes.String(), JsonSerde.of(ModelSample.class))
                        .withName(MODEL_SAMPLES_SOURCE))
                .groupByKey()
                .windowedBy(TimeWindows.ofSizeAndGrace(MODEL_WINDOW, MODEL_WINDOW_GRACE))
                .aggregate(ModelWindow::new, (model, sample, window) -> window.add(sample), Named.as("model-window"),
                        Materialized.<String, ModelWindow, WindowStore<Bytes, byte[]>>as(MODEL_WINDOW_STORE)
                                .withKeySerde(Serdes.String()).withValueSerde(JsonSerde.of(ModelWindow.class))
                                .withRetention(MODEL_WINDOW_RETENTION))
                .toStream(Named.as("model-window-updates"))
                .map((window, counts) -> KeyValue.pair(window.key() + "@" + window.window().start(),
                        counts.toStats(window.key(), window.window().start(), window.window().end())),
                        Named.as("model-window-stats"))
                .to(settings.topics().modelStats(), Produced.with(Serdes.String(), JsonSerde.of(ModelStats.class))
                        .withName(MODEL_STATS_SINK));
    }

    /**
     * Each tenant's usage, for quotas: samples (keyed by tenant, so no repartition) added up in a key-value store
     * ({@link #TENANT_USAGE_STORE}), queried by control-service through {@code GET /v1/tenants/{tenant}/usage}.
     */
    private static void tenantUsage(StreamsBuilder builder) {
        builder.stream(Topics.TENANT_SAMPLES, Consumed.with(Serdes.String(), JsonSerde.of(TenantSample.class))
                        .withName(TENANT_SAMPLES_SOURCE))
                .groupByKey()
                .aggregate(TenantWindow::new, (tenant, sample, usage) -> usage.add(sample), Named.as("tenant-window"),
                        Materialized.<String, TenantWindow, KeyValueStore<Bytes, byte[]>>as(TENANT_USAGE_STORE)
                                .withKeySerde(Serdes.String()).withValueSerde(JsonSerde.of(TenantWindow.class)));
    }

    /**
     * The per-stream layout's input: every {@code <tokensTopic>.<streamId>} topic, found by pattern (new ones
     * within the consumer's {@code metadata.max.age.ms}), re-keyed through an internal repartition topic with as
     * many partitions as the control topic, so a stream's events meet its commands in one task as in the shared
     * layout (a single-partition topic per stream would otherwise put every stream in task 0).
     */
    private static void perStreamTokens(StreamsBuilder builder, Settings settings,
                                        Supplier<DecodeProcessor<TokenEvent>> decode) {
        builder.stream(Pattern.compile(Pattern.quote(settings.topics().tokens() + ".") + ".+"),
                        Consumed.with(Serdes.String(), Serdes.ByteArray()).withName(TOKENS_SOURCE))
                .repartition(Repartitioned.<String, byte[]>as(PER_STREAM_REPARTITION).withKeySerde(Serdes.String())
                        .withValueSerde(Serdes.ByteArray()).withNumberOfPartitions(settings.perStreamPartitions()))
                .process(decode::get, Named.as(DECODE_TOKENS));
    }
}
