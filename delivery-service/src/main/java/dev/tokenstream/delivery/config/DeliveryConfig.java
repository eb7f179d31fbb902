package dev.tokenstream.delivery.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Settings of delivery-service, under {@code delivery.*}. */
@ConfigMapping(prefix = "delivery")
public interface DeliveryConfig {

    /** At startup, read the deliveries topic from this far back, so recent streams can be resumed. */
    @WithDefault("PT1H")
    Duration replayWindow();

    /** Keep a finished stream's frames in memory this long after its last frame, for late resumes. */
    @WithDefault("PT30M")
    Duration retainFinished();

    /**
     * Most finished streams nobody reads kept in memory, however recent: past it, those idle longest are dropped
     * first (a later reader gets them back from Kafka). Bounds the memory of finished streams, about 26 KiB each
     * for 100 tokens (docs/performance.md).
     */
    @WithDefault("5000")
    int maxFinishedStreams();

    /**
     * A client this many frames behind the stream gets its waiting token frames merged into one frame per write
     * (no text lost; the merged frame has the last seq it covers and a {@code coalesced} count).
     */
    @WithDefault("64")
    int coalesceLagFrames();

    /** Most token frames merged into one. */
    @WithDefault("512")
    int maxCoalescedFrames();

    /**
     * A client this many frames further behind than when it connected is closed with {@value dev.tokenstream.delivery.messaging.FrameSink#TOO_FAR_BEHIND}
     * and told the seq to resume after, so one slow client never holds the others or the server's memory.
     */
    @WithDefault("5000")
    int maxLagFrames();

    /**
     * The URL other delivery instances reach this one at (scheme, host, port; no path), e.g. the pod's address in
     * Kubernetes. Instances forward the clients of streams they do not own to the owner's URL.
     */
    String advertisedUrl();

    /** The control API's URL as a browser reaches it, for the page served at {@code /}. */
    @WithDefault("http://localhost:8080")
    String controlPublicUrl();

    /**
     * Origins (scheme://host[:port]) whose browser pages may open streams' WebSockets and SSE, besides this
     * service's own page. None by default: only clients that send no {@code Origin} and the page served here.
     */
    Optional<List<String>> allowedOrigins();

    /** Provider used by the OpenAI-compatible facade when the model names none ({@code provider/model} does). */
    @WithDefault("simulator")
    String facadeDefaultProvider();

    /**
     * How long an AI SDK chat stream whose client went away before its end waits for the client's resume
     * ({@code GET /v1/ai-sdk/chat/{id}/stream}) before it is cancelled: a cut connection that comes back within it
     * loses nothing; a stopped one ({@code useChat}'s {@code stop()}, which only closes the connection) ends the
     * provider's call after it.
     */
    @WithDefault("PT10S")
    Duration aiSdkResumeGrace();

    /** Interval of SSE heartbeat comments, which keep proxies from closing idle streams. */
    @WithDefault("PT15S")
    Duration sseHeartbeat();
}
