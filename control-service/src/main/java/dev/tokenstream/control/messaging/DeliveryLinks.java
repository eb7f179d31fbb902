package dev.tokenstream.control.messaging;

import dev.tokenstream.events.StreamPartitions;
import dev.tokenstream.control.config.ControlConfig;
import dev.tokenstream.events.DeliveryOwners;
import dev.tokenstream.events.KafkaConnection;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The delivery base URL a stream's links name: {@code control.delivery-base-url}, or, with
 * {@code control.links-to-delivery-owner}, the delivery instance that owns the stream's deliveries partition when
 * the last look at its consumer group (every 5 s, {@link DeliveryOwners}) said which, so
 * the client reads the stream where its frames are and no instance forwards them. Only where clients can reach
 * the instances' advertised URLs (the multi-instance local stack); behind an Ingress the links name the Service.
 */
@ApplicationScoped
public class DeliveryLinks {

    static final Duration REFRESH = Duration.ofSeconds(5);

    private final ControlConfig config;
    private final DeliveryOwners owners;

    public DeliveryLinks(ControlConfig config, @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.config = config;
        this.owners = new DeliveryOwners(KafkaConnection.of(kafka), DeliveryOwners.GROUP, "control-delivery-owners");
    }

    @PostConstruct
    void start() {
        if (config.linksToDeliveryOwner()) {
            owners.watch(Duration.ZERO, REFRESH);
        }
    }

    /** @return the base URL (no trailing slash) of the delivery instance the stream's links name */
    public String baseUrl(String streamId) {
        return baseUrl(streamId, null);
    }

    /**
     * The owner's base URL unless it is the one the client could not reach: then the configured base URL, or, when
     * that is the unreachable one too, another instance of the group. Any instance serves any stream (it feeds
     * clients from the owner, and takes the partition over once the group has noticed the owner is gone), so the
     * client reconnects at once instead of waiting for the group (the session timeout) and then for this
     * service's next look at it.
     *
     * @param unreachable the {@code host:port} of a delivery instance the client could not reach, or null
     * @return the base URL (no trailing slash) of the delivery instance the stream's links name
     */
    public String baseUrl(String streamId, String unreachable) {
        int count = owners.knownPartitionCount();
        String owner = count == 0 ? null : owners.known().get(StreamPartitions.partitionOf(streamId, count));
        String base = owner != null ? owner : config.deliveryBaseUrl();
        if (unreachable != null && unreachable.equalsIgnoreCase(authorityOf(base))) {
            owners.lookSoon();
            base = Stream.concat(Stream.of(config.deliveryBaseUrl()), owners.known().values().stream().sorted())
                    .filter(url -> !unreachable.equalsIgnoreCase(authorityOf(url))).findFirst().orElse(base);
        }
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    private static String authorityOf(String url) {
        try {
            return URI.create(url).getAuthority();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @PreDestroy
    void close() {
        owners.close();
    }
}
