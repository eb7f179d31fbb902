package dev.tokenstream.events;

import java.util.List;

/**
 * One provider as ingest-service serves it, published by ingest to the compacted {@link Topics#CATALOG} topic
 * (key: the provider's name) when it starts, so control-service can refuse a request it could not serve before
 * writing it.
 *
 * @param provider        the provider's name in requests ({@code simulator}, {@code openai}, ...)
 * @param api             the wire protocol ingest speaks to it: {@code openai} or {@code anthropic}
 * @param models          the models it offers, when its configuration lists them; empty: any model name (an
 *                        OpenAI-compatible server decides)
 * @param maxOutputTokens the most output tokens a request may ask of it ({@code params.maxTokens})
 * @param publishedAtMicros when ingest published this entry, epoch microseconds
 */
public record CatalogEntry(String provider, String api, List<String> models, int maxOutputTokens,
                           long publishedAtMicros) {

    public CatalogEntry {
        models = models == null ? List.of() : List.copyOf(models);
    }

    /** @return whether a request may name {@code model} on this provider */
    public boolean offers(String model) {
        return models.isEmpty() || models.contains(model);
    }
}
