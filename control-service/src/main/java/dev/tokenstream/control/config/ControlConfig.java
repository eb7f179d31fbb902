package dev.tokenstream.control.config;

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

    /** Most messages in one start request. */
    @WithDefault("256")
    int maxMessages();
}
