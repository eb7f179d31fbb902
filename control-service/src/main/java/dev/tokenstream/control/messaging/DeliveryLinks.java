package dev.tokenstream.control.messaging;

import dev.tokenstream.control.config.ControlConfig;
import dev.tokenstream.events.DeliveryOwners;
import dev.tokenstream.events.KafkaConnection;
import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The delivery base URL a stream's links name: {@code control.delivery-base-url}, or, with
 * {@code control.links-to-delivery-owner}, the delivery instance that owns the stream's deliveries partition when
 * the last look at its consumer group (every {@value #REFRESH_SECONDS} s, {@link DeliveryOwners}) said which, so
 * the client reads the stream where its frames are and no instance forwards them. Only where clients can reach
 * the instances' advertised URLs (the multi-instance local stack); behind an Ingress the links name the Service.
 */
@ApplicationScoped
public class DeliveryLinks {

    static final int REFRESH_SECONDS = 5;

    private final ControlConfig config;
    private final Map<String, Object> connection;
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "delivery-owners");
        thread.setDaemon(true);
        return thread;
    });
    private DeliveryOwners group;
    private volatile int partitionCount;
    private volatile Map<Integer, String> owners = Map.of();

    public DeliveryLinks(ControlConfig config, @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.config = config;
        this.connection = KafkaConnection.of(kafka);
    }

    @PostConstruct
    void start() {
        if (config.linksToDeliveryOwner()) {
            refresher.scheduleWithFixedDelay(this::refresh, 0, REFRESH_SECONDS, TimeUnit.SECONDS);
        }
    }

    /** @return the base URL (no trailing slash) of the delivery instance the stream's links name */
    public String baseUrl(String streamId) {
        int count = partitionCount;
        String owner = count == 0 ? null : owners.get(DeliveryOwners.partitionOf(streamId, count));
        String base = owner != null ? owner : config.deliveryBaseUrl();
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    private void refresh() {
        try {
            if (group == null) {
                group = new DeliveryOwners(connection, DeliveryOwners.GROUP, "control-delivery-owners");
            }
            if (partitionCount == 0) {
                partitionCount = group.partitionCount();
            }
            owners = Map.copyOf(group.owners());
        } catch (RuntimeException e) {
            Log.debugf(e, "delivery owners unknown now; links name %s", config.deliveryBaseUrl());
        }
    }

    @PreDestroy
    void close() {
        refresher.shutdownNow();
        if (group != null) {
            group.close();
        }
    }
}
