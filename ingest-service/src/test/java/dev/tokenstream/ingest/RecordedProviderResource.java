package dev.tokenstream.ingest;

import dev.tokenstream.testsupport.RecordedSseServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Starts a real HTTP server replaying recorded provider streams and configures it as providers: {@code recorded}
 * (OpenAI API), {@code recorded-anthropic} (Anthropic API), {@code recorded-serial} (one stream at a time) and
 * {@code recorded-limited} (model {@code gpt-4o} only), each with short timeouts and backoffs.
 */
public class RecordedProviderResource implements QuarkusTestResourceLifecycleManager {

    static RecordedSseServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = new RecordedSseServer().serve("openai-chat-text.sse", 2);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> config = new HashMap<>();
        provider(config, "recorded", server.baseUrl());
        provider(config, "recorded-anthropic", server.root());
        config.put("ingest.providers.recorded-anthropic.api", "anthropic");
        provider(config, "recorded-serial", server.baseUrl());
        config.put("ingest.providers.recorded-serial.max-concurrency", "1");
        provider(config, "recorded-limited", server.baseUrl());
        config.put("ingest.providers.recorded-limited.models", "gpt-4o,gpt-4o-mini");
        return config;
    }

    private static void provider(Map<String, String> config, String name, String baseUrl) {
        String prefix = "ingest.providers." + name + ".";
        config.put(prefix + "base-url", baseUrl);
        config.put(prefix + "first-token-timeout", "1s");
        config.put(prefix + "idle-timeout", "1s");
        config.put(prefix + "max-attempts", "3");
        config.put(prefix + "retry-initial-backoff", "20ms");
        config.put(prefix + "retry-max-backoff", "2s");
    }

    @Override
    public void stop() {
        server.close();
    }
}
