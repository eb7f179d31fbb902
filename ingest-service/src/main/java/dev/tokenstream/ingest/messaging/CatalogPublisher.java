package dev.tokenstream.ingest.messaging;

import dev.tokenstream.events.CatalogEntry;
import dev.tokenstream.events.Micros;
import dev.tokenstream.ingest.config.IngestConfig;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * Publishes the providers this instance serves to the compacted catalog topic (channel {@code catalog}, key: the
 * provider's name) at startup, so control-service refuses a request for a provider or model no ingest serves, or
 * for more output tokens than the provider allows, before writing it. Instances of one deployment share their
 * configuration, so each one's entries are the same; the latest per provider wins.
 */
@ApplicationScoped
public class CatalogPublisher {

    private final IngestConfig config;
    private final Emitter<CatalogEntry> catalog;

    public CatalogPublisher(IngestConfig config, @Channel("catalog") Emitter<CatalogEntry> catalog) {
        this.config = config;
        this.catalog = catalog;
    }

    void publish(@Observes StartupEvent event) {
        long now = Micros.now();
        config.providers().forEach((name, settings) -> {
            var entry = new CatalogEntry(name, settings.api().name().toLowerCase(Locale.ROOT),
                    settings.models().orElse(null), settings.maxOutputTokens(), now);
            catalog.send(Message.of(entry, Metadata.of(OutgoingKafkaRecordMetadata.<String>builder().withKey(name)
                    .build()), () -> CompletableFuture.completedFuture(null), failure -> {
                        Log.warnf("provider %s not published to the catalog: %s", name, failure.toString());
                        return CompletableFuture.completedFuture(null);
                    }));
        });
    }
}
