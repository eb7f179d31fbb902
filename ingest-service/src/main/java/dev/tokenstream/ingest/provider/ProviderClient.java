package dev.tokenstream.ingest.provider;

import dev.tokenstream.events.StreamRequest;
import dev.tokenstream.ingest.config.IngestConfig;

import java.time.Duration;

/**
 * A provider's streaming API through its official SDK. One instance per configured provider, shared by all
 * streams; thread-safe.
 */
interface ProviderClient extends AutoCloseable {

    /**
     * Sends {@code request} to the provider and reports each event of its streamed answer to {@code sink}, on the
     * calling thread, until the answer ends or {@link UpstreamSink#cancelled()} says stop. The HTTP request carries
     * the {@link UpstreamCallInterceptor#STREAM_HEADER}, so a cancel can drop its connection from another thread.
     *
     * @throws RuntimeException whatever the SDK throws (an HTTP error status, an error event in the stream, an
     *                          I/O failure); {@link #classify} turns it into a failure reason
     */
    void stream(StreamRequest request, UpstreamSink sink);

    /** @return what {@code error}, thrown by {@link #stream}, means */
    UpstreamFailure classify(RuntimeException error);

    @Override
    void close();

    /**
     * The HTTP client's socket read timeout: only a backstop, 10 s past the longer of the first-token and idle
     * timeouts, which the {@link ActiveStreams} watchdog enforces itself.
     */
    static Duration readTimeoutBackstop(IngestConfig.Provider settings) {
        Duration longest = settings.firstTokenTimeout().compareTo(settings.idleTimeout()) > 0
                ? settings.firstTokenTimeout() : settings.idleTimeout();
        return longest.plusSeconds(10);
    }
}
