package dev.tokenstream.simulator.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Map;
import java.util.Optional;

/** Settings of the provider simulator, under {@code simulator.*}. */
@ConfigMapping(prefix = "simulator")
public interface SimulatorConfig {

    /** Latency profiles by model name; a request for any other model is answered 404 as OpenAI does. */
    Map<String, LatencyProfile> profiles();

    /** Output tokens generated when the request sets no {@code max_tokens}. */
    @WithDefault("1024")
    int defaultMaxTokens();

    /** Folder of recorded SSE transcripts served for model {@code transcript:<file name>}; classpath copies otherwise. */
    Optional<String> transcriptsDir();

    /** Time to first token and inter-token latency of one simulated model. */
    interface LatencyProfile {

        /** Time from request to the first content chunk, milliseconds. */
        long ttftMillis();

        /** Mean gap between content chunks, milliseconds. */
        long itlMillis();

        /** Uniform jitter as a fraction of each delay: 0.2 means plus or minus 20 %. */
        @WithDefault("0.2")
        double jitter();

        /**
         * Content chunks written back to back, then {@link #itlMillis()}: faster than one chunk per millisecond
         * (3 chunks every 1 ms is 3,000 tokens/s, as the fastest hosted providers stream).
         */
        @WithDefault("1")
        int chunksPerTick();
    }
}
