package dev.tokenstream.delivery.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Settings of delivery-service, under {@code delivery.*}. */
@ConfigMapping(prefix = "delivery")
public interface DeliveryConfig {

    /** At startup, read the deliveries topic from this far back, so recent streams can be resumed. */
    @WithDefault("PT1H")
    Duration replayWindow();

    /** Keep a finished stream's frames in memory this long after its last frame, for late resumes. */
    @WithDefault("PT30M")
    Duration retainFinished();

    /** Interval of SSE heartbeat comments, which keep proxies from closing idle streams. */
    @WithDefault("PT15S")
    Duration sseHeartbeat();
}
