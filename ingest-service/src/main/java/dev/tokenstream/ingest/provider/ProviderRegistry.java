package dev.tokenstream.ingest.provider;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.Timeout;
import dev.tokenstream.ingest.config.IngestConfig;
import io.quarkus.logging.Log;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Builds one official OpenAI SDK client per configured provider, on first use, and closes them at shutdown. */
@ApplicationScoped
public class ProviderRegistry {

    /** Sent when a provider needs no key (the simulator, a local Ollama); the SDK insists on one. */
    private static final String NO_KEY = "not-needed";

    private final IngestConfig config;
    private final Map<String, OpenAIClient> clients = new ConcurrentHashMap<>();

    public ProviderRegistry(IngestConfig config) {
        this.config = config;
    }

    /**
     * @param provider a provider name from the request
     * @return its client, or empty when no provider of that name is configured
     */
    public Optional<OpenAIClient> client(String provider) {
        IngestConfig.Provider settings = provider == null ? null : config.providers().get(provider);
        if (settings == null) {
            return Optional.empty();
        }
        return Optional.of(clients.computeIfAbsent(provider, name -> build(name, settings)));
    }

    /** @return the configured provider names. */
    public Set<String> names() {
        return config.providers().keySet();
    }

    private static OpenAIClient build(String name, IngestConfig.Provider settings) {
        Log.infof("provider %s at %s", name, settings.baseUrl());
        return OpenAIOkHttpClient.builder()
                .baseUrl(settings.baseUrl())
                .apiKey(apiKey(settings))
                .maxRetries(settings.maxRetries())
                .timeout(Timeout.builder()
                        .connect(settings.connectTimeout())
                        .read(settings.readTimeout())
                        // A stream may run for many minutes; only silence (read timeout) ends it.
                        .request(Duration.ofHours(1))
                        .build())
                .build();
    }

    private static String apiKey(IngestConfig.Provider settings) {
        if (settings.apiKey().isPresent() && !settings.apiKey().get().isBlank()) {
            return settings.apiKey().get();
        }
        if (settings.apiKeyFile().isPresent()) {
            try {
                return Files.readString(Path.of(settings.apiKeyFile().get())).trim();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the API key file " + settings.apiKeyFile().get(), e);
            }
        }
        return NO_KEY;
    }

    @PreDestroy
    void close() {
        clients.values().forEach(OpenAIClient::close);
    }
}
