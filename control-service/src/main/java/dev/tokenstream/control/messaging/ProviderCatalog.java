package dev.tokenstream.control.messaging;

import dev.tokenstream.events.CatalogEntry;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The providers ingest serves, as it publishes them to the compacted catalog topic (channel {@code catalog}, read
 * whole by every instance: one record per provider). Undecodable records arrive as null and are skipped.
 */
@ApplicationScoped
public class ProviderCatalog {

    private final Map<String, CatalogEntry> providers = new ConcurrentHashMap<>();

    @Incoming("catalog")
    void onEntry(CatalogEntry entry) {
        if (entry != null && entry.provider() != null) {
            providers.put(entry.provider(), entry);
        }
    }

    /** @return the provider of that name, when ingest serves one */
    public Optional<CatalogEntry> provider(String name) {
        return Optional.ofNullable(name == null ? null : providers.get(name));
    }

    /** @return whether ingest has published any provider yet */
    public boolean isKnown() {
        return !providers.isEmpty();
    }

    /** @return the names of the providers ingest serves, sorted */
    public String names() {
        return String.join(", ", new TreeSet<>(providers.keySet()));
    }
}
