package dev.tokenstream.ingest;

import dev.tokenstream.testsupport.RecordedSseServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/** Starts a real HTTP server replaying recorded OpenAI streams and configures it as provider {@code recorded}. */
public class RecordedProviderResource implements QuarkusTestResourceLifecycleManager {

    static RecordedSseServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = new RecordedSseServer().serve("openai-chat-text.sse", 2);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("ingest.providers.recorded.base-url", server.baseUrl(),
                "ingest.providers.recorded.max-retries", "0");
    }

    @Override
    public void stop() {
        server.close();
    }
}
