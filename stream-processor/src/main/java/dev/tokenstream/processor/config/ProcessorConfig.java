package dev.tokenstream.processor.config;

import dev.tokenstream.events.Topics;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Settings of the stream processor's topology, under {@code processor.*}. */
@ConfigMapping(prefix = "processor")
public interface ProcessorConfig {

    /** Input: stream requests, read for merge groups. Must have as many partitions as the tokens topic. */
    @WithDefault(Topics.REQUESTS)
    String requestsTopic();

    /**
     * Where token events come from: {@code shared} ({@code tokens-topic}) or {@code per-stream} (every
     * {@code <tokens-topic>.<streamId>}, by pattern). Ingest must use the same (profile {@code per-stream} sets both).
     */
    @WithDefault("shared")
    String topicLayout();

    /** Input: the raw token events. */
    @WithDefault(Topics.TOKENS)
    String tokensTopic();

    /** Input: pause, resume and cancel commands. Must have as many partitions as the tokens topic. */
    @WithDefault(Topics.CONTROL)
    String controlTopic();

    /** Output: the frames clients receive. */
    @WithDefault(Topics.DELIVERIES)
    String deliveriesTopic();

    /** Output: each stream's latest state and statistics (compacted). */
    @WithDefault(Topics.STREAM_STATS)
    String statsTopic();

    /** Output and input: samples of each stream for the model statistics (keyed provider/model). */
    @WithDefault(Topics.MODEL_SAMPLES)
    String modelSamplesTopic();

    /** Output: statistics per provider/model and one-minute window (compacted). */
    @WithDefault(Topics.MODEL_STATS)
    String modelStatsTopic();

    /** Output: records that could not be decoded or processed. */
    @WithDefault(Topics.DLQ)
    String dlqTopic();

    /** Publish a stream's statistics every this many tokens, besides every change of state. */
    @WithDefault("25")
    int statsEveryTokens();

    /** Coalescing of streams whose request sets none: none, tokens, characters, window, words or sentences. */
    @WithDefault("none")
    String defaultBufferingMode();

    /** Size for the default coalescing mode (tokens, characters or milliseconds). */
    @WithDefault("1")
    int defaultBufferingSize();

    /** How often window-mode streams are checked for a due flush (wall-clock punctuation). */
    @WithDefault("PT0.01S")
    Duration windowTick();

    /**
     * A started stream with no event from ingest for this long fails with reason {@code stalled}. A paused stream
     * never stalls: its upstream may have finished or be waiting; {@link #maxPause} bounds it.
     */
    @WithDefault("PT2M")
    Duration stallTimeout();

    /**
     * A stream paused for longer than this ends as failed with reason {@code pause_expired}; resumed within it, the
     * whole answer is delivered. Its tokens stay in the tokens topic for replay either way.
     */
    @WithDefault("PT30M")
    Duration maxPause();

    /**
     * A requested stream that no ingest instance has started (no event) within this long fails with reason
     * {@code not_started}.
     */
    @WithDefault("PT5M")
    Duration startDeadline();

    /** The state of a finished stream is dropped this long after its end (its statistics stay in the topic). */
    @WithDefault("PT1H")
    Duration retainTerminal();

    /**
     * How often the running streams are checked for stalls and counted (wall-clock punctuation). Finished streams
     * past {@code retain-terminal} are dropped in a pass over the whole store every twelfth of that retention.
     */
    @WithDefault("PT5S")
    Duration sweepInterval();
}
