package dev.tokenstream.ingest.provider;

import dev.tokenstream.events.StreamRequest;
import dev.tokenstream.ingest.config.IngestConfig;
import dev.tokenstream.ingest.messaging.Continuation;

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
    default void stream(StreamRequest request, UpstreamSink sink) {
        stream(request, null, sink);
    }

    /**
     * As {@link #stream(StreamRequest, UpstreamSink)}, or, with a {@code continuation}, asks the provider to go on
     * from the answer so far: the conversation then ends with it as the assistant's unfinished message (Anthropic's
     * prefill; OpenAI-compatible servers with vLLM's {@code continue_final_message}), and {@code max_tokens} is what
     * is left of the request's. The sink gets only the new text.
     *
     * @param continuation the answer a lost instance delivered, or null for a new answer
     */
    void stream(StreamRequest request, Continuation continuation, UpstreamSink sink);

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
