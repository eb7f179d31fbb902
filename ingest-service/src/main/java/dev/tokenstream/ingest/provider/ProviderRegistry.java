package dev.tokenstream.ingest.provider;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.anthropic.models.messages.RawMessageStreamEvent;
import dev.tokenstream.ingest.config.IngestConfig;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * The configured providers: one SDK client each (built on first use, closed at shutdown), their settings, and a
 * concurrency limit for those that have one.
 */
@ApplicationScoped
public class ProviderRegistry {

    /** Sent when a provider needs no key (the simulator, a local Ollama); the SDKs insist on one. */
    private static final String NO_KEY = "not-needed";

    private static final String OPENAI_CHUNK = "{\"id\":\"w\",\"object\":\"chat.completion.chunk\",\"created\":0,"
            + "\"model\":\"w\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":null}]}";
    private static final String ANTHROPIC_EVENT = "{\"type\":\"content_block_delta\",\"index\":0,"
            + "\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}";

    /** A configured provider. */
    record Provider(String name, IngestConfig.Provider settings, ProviderClient client, Semaphore permits) {
    }

    private final IngestConfig config;
    private final UpstreamCallInterceptor interceptor;
    private final Map<String, Provider> providers = new ConcurrentHashMap<>();

    public ProviderRegistry(IngestConfig config, ActiveStreams activeStreams) {
        this.config = config;
        this.interceptor = new UpstreamCallInterceptor(activeStreams);
    }

    /**
     * Builds every configured client at startup and runs each SDK's JSON mapping once (no network), so the first
     * stream does not pay seconds of class loading in its time to first token.
     */
    void warmUp(@Observes StartupEvent event) {
        config.providers().keySet().forEach(this::provider);
        try {
            JsonMapper openai = com.openai.core.ObjectMappers.jsonMapper();
            openai.writeValueAsString(ChatCompletionCreateParams.builder().model("warm-up").addUserMessage("hi")
                    .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build()._body());
            openai.readValue(OPENAI_CHUNK, ChatCompletionChunk.class).choices().forEach(c -> c.delta().content());
            com.anthropic.core.ObjectMappers.jsonMapper().readValue(ANTHROPIC_EVENT, RawMessageStreamEvent.class)
                    .contentBlockDelta().ifPresent(d -> d.delta().text());
        } catch (IOException e) {
            Log.debugf("SDK warm-up skipped: %s", e.getMessage());
        }
    }

    /**
     * @param name a provider name from the request
     * @return the provider, or empty when none of that name is configured
     */
    Optional<Provider> provider(String name) {
        IngestConfig.Provider settings = name == null ? null : config.providers().get(name);
        if (settings == null) {
            return Optional.empty();
        }
        return Optional.of(providers.computeIfAbsent(name, n -> build(n, settings)));
    }

    /** @return the configured provider names. */
    public Set<String> names() {
        return config.providers().keySet();
    }

    private Provider build(String name, IngestConfig.Provider settings) {
        Log.infof("provider %s: %s API at %s%s", name, settings.api().name().toLowerCase(), settings.baseUrl(),
                settings.maxConcurrency().isPresent() ? ", at most " + settings.maxConcurrency().getAsInt()
                        + " streams at once" : "");
        String key = apiKey(settings);
        ProviderClient client = switch (settings.api()) {
            case OPENAI -> new OpenAiChatClient(key, settings, interceptor);
            case ANTHROPIC -> new AnthropicMessagesClient(key, settings, interceptor);
        };
        Semaphore permits = settings.maxConcurrency().isPresent()
                ? new Semaphore(Math.max(1, settings.maxConcurrency().getAsInt()), true) : null;
        return new Provider(name, settings, client, permits);
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
        providers.values().forEach(p -> p.client().close());
    }
}
