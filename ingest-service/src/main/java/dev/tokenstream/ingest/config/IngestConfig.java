package dev.tokenstream.ingest.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Settings of ingest-service, under {@code ingest.*}. */
@ConfigMapping(prefix = "ingest")
public interface IngestConfig {

    /**
     * Providers by name, as a {@code StreamRequest} names them. Every provider speaks the OpenAI Chat Completions
     * API (OpenAI itself, Ollama's {@code /v1}, vLLM, llama.cpp, LM Studio and the provider simulator).
     */
    Map<String, Provider> providers();

    /** One configured provider. Keys come from the environment or a mounted file, never from a request. */
    interface Provider {

        /** Base URL of the OpenAI-compatible API, including {@code /v1}. */
        String baseUrl();

        /** API key; set it through the environment ({@code INGEST_PROVIDERS_<NAME>_API_KEY}). */
        Optional<String> apiKey();

        /** A file holding the API key (a mounted Kubernetes Secret, say); read at startup, trimmed. */
        Optional<String> apiKeyFile();

        /** Connection timeout to the provider. */
        @WithDefault("5s")
        Duration connectTimeout();

        /** Longest silence between two chunks of a stream before it fails as a timeout. */
        @WithDefault("60s")
        Duration readTimeout();

        /** Retries the SDK makes for a failed request before any byte of the stream arrived. */
        @WithDefault("2")
        int maxRetries();
    }
}
