package dev.tokenstream.control.messaging;

import dev.tokenstream.events.StreamPartitions;
import dev.tokenstream.control.config.ControlConfig;
import dev.tokenstream.events.DeliveryOwners;
import dev.tokenstream.events.KafkaConnection;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.Map;

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
        int count = owners.knownPartitionCount();
        String owner = count == 0 ? null : owners.known().get(StreamPartitions.partitionOf(streamId, count));
        String base = owner != null ? owner : config.deliveryBaseUrl();
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    @PreDestroy
    void close() {
        owners.close();
    }
}
