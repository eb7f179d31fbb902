package dev.tokenstream.control.config;

import java.time.Duration;
import java.util.Map;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of control-service, under {@code control.*}. */
@ConfigMapping(prefix = "control")
public interface ControlConfig {

    /** Public base URL of this service, for the {@code self} link. */
    @WithDefault("http://localhost:8080")
    String publicBaseUrl();

    /** Public base URL of delivery-service, for the {@code ws} and {@code sse} links ({@code http} or {@code https}). */
    @WithDefault("http://localhost:8081")
    String deliveryBaseUrl();

    /**
     * Whether links name the delivery instance owning the stream's partition (its advertised URL) rather than
     * {@link #deliveryBaseUrl()}: where clients reach the instances directly, as in the multi-instance local stack.
     */
    @WithDefault("false")
    boolean linksToDeliveryOwner();

    /** Most messages in one start request. */
    @WithDefault("256")
    int maxMessages();

    /** Quotas per tenant: the defaults, and {@code control.quotas.tenants."<tenant>".*} for one tenant. */
    Quotas quotas();

    /** A tenant's limits; over one, a start is answered 429 with {@code Retry-After}. */
    interface Limits {

        /** Streams requested and not ended at once (a merge group's members count one each). */
        @WithDefault("100")
        int maxConcurrentStreams();

        /** Streams requested per one-minute window. */
        @WithDefault("600")
        int requestsPerMinute();

        /** Output tokens per one-minute window, counted as the streams go. */
        @WithDefault("1000000")
        long outputTokensPerMinute();
    }

    /** The default limits, and those of named tenants. */
    interface Quotas extends Limits {

        /** Limits of named tenants, in place of the defaults. */
        Map<String, Limits> tenants();

        /**
         * How long one reading of a tenant's usage from the processor serves its starts on this instance, the starts
         * admitted meanwhile added to it ({@code TenantQuotas}); 0 asks the processor for every start.
         */
        @WithDefault("1s")
        Duration usageMaxAge();

        /** @return the limits of {@code tenant} */
        default Limits of(String tenant) {
            return tenants().getOrDefault(tenant, this);
        }
    }
}
