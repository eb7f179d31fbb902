package dev.tokenstream.ingest.provider;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.ObjectMappers;
import com.openai.core.Timeout;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.tokenstream.ingest.config.IngestConfig;
import io.quarkus.logging.Log;
import jakarta.annotation.PreDestroy;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

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

    private static final String WARM_UP_CHUNK = "{\"id\":\"w\",\"object\":\"chat.completion.chunk\",\"created\":0,"
            + "\"model\":\"w\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":null}]}";

    private final IngestConfig config;
    private final Map<String, OpenAIClient> clients = new ConcurrentHashMap<>();

    public ProviderRegistry(IngestConfig config) {
        this.config = config;
    }

    /**
     * Builds every configured client at startup and runs the SDK's JSON mapping once each way (no network), so
     * the first stream does not pay seconds of class loading in its time to first token.
     */
    void warmUp(@Observes StartupEvent event) {
        config.providers().keySet().forEach(this::client);
        try {
            JsonMapper mapper = ObjectMappers.jsonMapper();
            mapper.writeValueAsString(ChatCompletionCreateParams.builder().model("warm-up").addUserMessage("hi")
                    .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build()._body());
            mapper.readValue(WARM_UP_CHUNK, ChatCompletionChunk.class).choices().forEach(c -> c.delta().content());
        } catch (IOException e) {
            Log.debugf("SDK warm-up skipped: %s", e.getMessage());
        }
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
