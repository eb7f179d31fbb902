package dev.tokenstream.ingest.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/** Settings of ingest-service, under {@code ingest.*}. */
@ConfigMapping(prefix = "ingest")
public interface IngestConfig {

    /** Providers by name, as a {@code StreamRequest} names them. */
    Map<String, Provider> providers();

    /**
     * Where token events go: {@code shared} (every stream in {@code tokenstream.tokens}, keyed by stream) or
     * {@code per-stream} (each stream in its own topic {@code tokenstream.tokens.<streamId>}, made on demand).
     * The processor must use the same layout (profile {@code per-stream} sets both).
     */
    @WithDefault("shared")
    String topicLayout();

    /**
     * On SIGTERM (a rollout, a scale-in), how long the running streams may go on to their end; those still running
     * then end as failed with {@code interrupted}. Kubernetes' {@code terminationGracePeriodSeconds} must be longer.
     * Requests not started yet are left for another instance.
     */
    @WithDefault("PT25S")
    Duration drainTimeout();

    /** Per-stream layout: how long a stream's topic keeps its events. */
    @WithDefault("P7D")
    Duration perStreamRetention();

    /** Per-stream layout: the replication factor of a stream's topic ({@code -1}: the broker's default). */
    @WithDefault("-1")
    short perStreamReplicationFactor();

    /** The wire protocol a provider speaks, and so the official SDK that talks to it. */
    enum Api {
        /** OpenAI Chat Completions ({@code POST /chat/completions}): OpenAI, Ollama's /v1, vLLM, llama.cpp, LM Studio. */
        OPENAI,
        /** Anthropic Messages ({@code POST /v1/messages}). */
        ANTHROPIC
    }

    /** What becomes of a stream whose ingest instance was lost after its answer began to reach the client. */
    enum AfterInstanceLoss {
        /** It ends failed with {@code interrupted}: the client has the first part of the answer. */
        FAIL,
        /**
         * Another instance calls the provider again with the answer so far as the assistant's unfinished message
         * (Anthropic's prefill; vLLM's {@code continue_final_message}, which the simulator speaks too) and the
         * client gets one answer, with a {@code continued} frame where it went on; usage counts both calls.
         */
        CONTINUE
    }

    /**
     * One configured provider and its failure policy. Keys come from the environment or a mounted file, never
     * from a request, and are never logged.
     */
    interface Provider {

        /** The protocol: {@code openai} (the default) or {@code anthropic}. */
        @WithDefault("openai")
        Api api();

        /**
         * Base URL: for {@code openai} including {@code /v1} ({@code https://api.openai.com/v1}); for
         * {@code anthropic} without it ({@code https://api.anthropic.com}).
         */
        String baseUrl();

        /** API key; set it through the environment ({@code INGEST_PROVIDERS_<NAME>_API_KEY}). */
        Optional<String> apiKey();

        /** A file holding the API key (a mounted Kubernetes Secret, say); read at startup, trimmed. */
        Optional<String> apiKeyFile();

        /** The models a request may name; any model when unset. Others fail as {@code invalid_request}. */
        Optional<List<String>> models();

        /** Longest wait for the TCP (and TLS) connection to the provider. */
        @WithDefault("5s")
        Duration connectTimeout();

        /** Longest wait from sending the request to the first token (text, reasoning or tool call). */
        @WithDefault("60s")
        Duration firstTokenTimeout();

        /** Longest silence between two events of the stream after the first token. */
        @WithDefault("30s")
        Duration idleTimeout();

        /**
         * Attempts per stream, the first included. A retryable failure (429, 5xx, 529, timeout, dropped
         * connection) is retried only while no token of the stream has been published.
         */
        @WithDefault("3")
        int maxAttempts();

        /** Backoff before the first retry; doubled for each next one, with jitter. */
        @WithDefault("500ms")
        Duration retryInitialBackoff();

        /** Longest backoff; a {@code Retry-After} longer than this fails the stream instead of waiting. */
        @WithDefault("20s")
        Duration retryMaxBackoff();

        /** Most streams this instance runs against the provider at once (a local server serialises generation). */
        OptionalInt maxConcurrency();

        /**
         * The most output tokens a request may ask of this provider ({@code params.maxTokens}); control-service
         * refuses more (400). Published in the catalog.
         */
        @WithDefault("65536")
        int maxOutputTokens();

        /**
         * {@code fail} or {@code continue} ({@link AfterInstanceLoss}). Unset: {@code continue} for
         * {@code anthropic}, whose API documents continuing a prefilled assistant message; {@code fail} for
         * {@code openai}, since OpenAI's own API and most compatible servers take a final assistant message as
         * history and would answer afresh, which the processor then refuses as a splice. Set {@code continue} for a
         * server that honours vLLM's {@code continue_final_message} (vLLM, the simulator).
         */
        Optional<AfterInstanceLoss> afterInstanceLoss();

        /** @return {@link #afterInstanceLoss}, or its default for {@link #api} */
        default AfterInstanceLoss afterInstanceLossOrDefault() {
            return afterInstanceLoss().orElse(api() == Api.ANTHROPIC ? AfterInstanceLoss.CONTINUE
                    : AfterInstanceLoss.FAIL);
        }
    }
}
