package dev.tokenstream.processor.query;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.tokenstream.events.Merge;
import dev.tokenstream.events.Micros;
import dev.tokenstream.events.ModelStats;
import dev.tokenstream.events.StreamStats;
import dev.tokenstream.events.TenantUsage;
import dev.tokenstream.events.serde.Json;
import dev.tokenstream.processor.streams.StreamTopology;
import dev.tokenstream.processor.streams.StoreQueries;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Interactive queries of the processor's stores, answered by whichever instance owns the key: a stream's
 * statistics live in the task of its partition ({@link Merge#partitionKey}), a model's windows in the task of
 * {@code provider/model}. A query for a key another instance owns is forwarded to it over HTTP (its
 * {@code application.server}); while a store is not queryable (a rebalance, a restore) a query is retried
 * {@value #ATTEMPTS} times, {@value #RETRY_MILLIS} ms apart, then answered {@link NotReadyException}.
 * <p>
 * The bounded retry is a loop of ours rather than SmallRye Fault Tolerance's {@code @Retry}: the interceptor acts
 * only on CDI beans, and this class is also run outside CDI, two instances in one JVM, by the routing test that
 * shows a query forwarded between instances on a real broker.
 */
@ApplicationScoped
public class StatsQueries {

    static final int ATTEMPTS = 10;
    static final long RETRY_MILLIS = 200;
    private static final Duration FORWARD_TIMEOUT = Duration.ofSeconds(5);

    private final KafkaStreams streams;
    private final HostInfo self;
    private final String authorization;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(FORWARD_TIMEOUT).build();

    /**
     * @param applicationServer this instance's {@code host:port} as Kafka Streams advertises it to the others
     * @param serviceKey        this service's API key (role service), sent with a forwarded query
     */
    public StatsQueries(KafkaStreams streams,
                        @ConfigProperty(name = "kafka-streams.application.server") String applicationServer,
                        @ConfigProperty(name = "tokenstream.auth.service-key") String serviceKey) {
        this.streams = streams;
        this.self = HostInfo.buildFromEndpoint(applicationServer);
        this.authorization = "Bearer " + serviceKey;
    }

    /** A store is not queryable yet, here or at the instance that owns the key. */
    public static final class NotReadyException extends RuntimeException {
        NotReadyException(String message) {
            super(message);
        }
    }

    /**
     * @param local answer from this instance's stores only (a query forwarded by another instance)
     * @return the stream's (or merge group's) statistics now, or empty when no instance has it
     * @throws NotReadyException when the owning store stays unavailable
     */
    public Optional<StreamStats> stream(String streamId, boolean local) {
        return retrying("stream " + streamId, () -> {
            if (!local) {
                KeyQueryMetadata owner = streams.queryMetadataForKey(StreamTopology.STATE_STORE,
                        Merge.partitionKey(streamId), Serdes.String().serializer());
                if (owner == null || owner == KeyQueryMetadata.NOT_AVAILABLE) {
                    throw new InvalidStateStoreException("no instance owns " + streamId + " yet");
                }
                if (!owner.activeHost().equals(self)) {
                    return forward(owner.activeHost(), "/v1/streams/" + streamId + "/stats",
                            new TypeReference<StreamStats>() { });
                }
            }
            return StoreQueries.streamStats(streams, streamId, Micros.now());
        });
    }

    /**
     * @param local answer from this instance's store only (a query forwarded by another instance)
     * @return the tenant's usage now (none for a tenant with no streams)
     * @throws NotReadyException when the owning store stays unavailable
     */
    public TenantUsage tenant(String tenant, boolean local) {
        return retrying("tenant " + tenant, () -> {
            if (!local) {
                KeyQueryMetadata owner = streams.queryMetadataForKey(StreamTopology.TENANT_USAGE_STORE, tenant,
                        Serdes.String().serializer());
                if (owner == null || owner == KeyQueryMetadata.NOT_AVAILABLE) {
                    throw new InvalidStateStoreException("no instance owns tenant " + tenant + " yet");
                }
                if (!owner.activeHost().equals(self)) {
                    return forward(owner.activeHost(), "/v1/tenants/" + tenant + "/usage",
                            new TypeReference<TenantUsage>() { }).orElseThrow(() ->
                            new InvalidStateStoreException(owner.activeHost() + " did not answer for " + tenant));
                }
            }
            return StoreQueries.tenantUsage(streams, tenant, System.currentTimeMillis());
        });
    }

    /**
     * @param sinceMillis windows that end after this, epoch milliseconds
     * @param local       this instance's windows only (a query forwarded by another instance)
     * @return every provider/model window since {@code sinceMillis} on every instance, by model then time
     * @throws NotReadyException when a store stays unavailable
     */
    public List<ModelStats> models(long sinceMillis, boolean local) {
        List<ModelStats> all = retrying("model statistics", () -> {
            List<ModelStats> found = new ArrayList<>(StoreQueries.modelWindows(streams, sinceMillis));
            if (!local) {
                for (StreamsMetadata instance : streams.streamsMetadataForStore(StreamTopology.MODEL_WINDOW_STORE)) {
                    if (!instance.hostInfo().equals(self)) {
                        forward(instance.hostInfo(), "/v1/models/stats?sinceMillis=" + sinceMillis,
                                new TypeReference<List<ModelStats>>() { }).ifPresent(found::addAll);
                    }
                }
            }
            return found;
        });
        all.sort(Comparator.comparing(ModelStats::provider).thenComparing(ModelStats::model)
                .thenComparingLong(ModelStats::windowStartMillis));
        return all;
    }

    private <T> T retrying(String what, Supplier<T> query) {
        InvalidStateStoreException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                return query.get();
            } catch (InvalidStateStoreException e) {
                last = e;
                Log.debugf("query of %s, attempt %d: %s", what, attempt, e.getMessage());
                try {
                    Thread.sleep(RETRY_MILLIS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        throw new NotReadyException("the store holding " + what + " is not queryable yet (Kafka Streams is "
                + streams.state() + (last == null ? "" : ": " + last.getMessage()) + "); retry shortly");
    }

    /** @return the other instance's answer to {@code path} with {@code local=true}; empty on its 404 */
    private <T> Optional<T> forward(HostInfo host, String path, TypeReference<T> type) {
        URI uri = URI.create("http://" + host.host() + ":" + host.port() + path + (path.contains("?") ? "&" : "?")
                + "local=true");
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(FORWARD_TIMEOUT)
                    .header("Accept", "application/json").header("Authorization", authorization).GET().build(), HttpResponse.BodyHandlers.ofString());
            return switch (response.statusCode()) {
                case 200 -> Optional.of(Json.MAPPER.readValue(response.body(), type));
                case 404 -> Optional.empty();
                default -> throw new InvalidStateStoreException(uri + " answered " + response.statusCode());
            };
        } catch (IOException e) {
            throw new InvalidStateStoreException("cannot reach " + uri + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InvalidStateStoreException("interrupted while asking " + uri);
        }
    }
}
