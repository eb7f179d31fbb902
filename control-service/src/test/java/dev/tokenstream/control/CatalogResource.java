package dev.tokenstream.control;

import dev.tokenstream.events.CatalogEntry;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.JsonSerde;
import dev.tokenstream.testsupport.TopicProbe;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.List;
import java.util.Map;

/**
 * Publishes a provider catalog before control-service starts, as ingest does: {@code simulator} and {@code ollama}
 * with any model, {@code listed} with two models and at most 1000 output tokens.
 */
public class CatalogResource implements QuarkusTestResourceLifecycleManager {

    static final int LISTED_MAX_TOKENS = 1000;

    @Override
    public Map<String, String> start() {
        for (CatalogEntry entry : List.of(new CatalogEntry("simulator", "openai", null, 65536, 1),
                new CatalogEntry("ollama", "openai", null, 65536, 1),
                new CatalogEntry("listed", "anthropic", List.of("model-a", "model-b"), LISTED_MAX_TOKENS, 1))) {
            TopicProbe.send(Topics.CATALOG, entry.provider(), entry, JsonSerde.of(CatalogEntry.class));
        }
        return Map.of();
    }

    @Override
    public int order() {
        return 10; // after the broker's resource
    }

    @Override
    public void stop() {
    }
}
