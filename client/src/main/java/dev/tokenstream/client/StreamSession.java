package dev.tokenstream.client;

import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.ErrorInfo;
import dev.tokenstream.events.StreamState;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One started stream as its client sees it: frames go to the handlers in order, each once, across
 * reconnections. When the connection drops before the stream ended (network loss, close code 4001 for a
 * client too far behind), the session reconnects by itself with {@code after} = the last seq it received,
 * backing off from 100 ms to 2 s, at most {@value #MAX_RECONNECTS} times in a row without a frame between; from
 * the third attempt on it asks control-service for fresh links first. When the delivery instance its link names
 * cannot be reached at all (it died), it asks at once for links naming another instance and connects there
 * without waiting.
 * Thread-safe; handler calls are made one at a time.
 */
public final class StreamSession implements AutoCloseable {

    /** About 33 s of attempts: more than a failover of a crashed instance's partitions takes (2 to 5 s). */
    static final int MAX_RECONNECTS = 20;

    private final TokenstreamClient client;
    private volatile StreamMetadata metadata;
    private final List<StreamHandler> handlers;
    private final CompletableFuture<StreamResult> result = new CompletableFuture<>();
    private final AtomicLong handlerErrors = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final StringBuilder text = new StringBuilder();
    private long lastSeq = -1;
    /** Token frames received; each frame's index for the handlers. */
    private long tokenFrames;
    /** Answer tokens received: a frame may hold several. */
    private long tokens;
    private int failedAttempts;
    /** The link whose delivery instance refused the last connection, to be named to control-service; or null. */
    private URI unreachable;
    private int generation;
    private TokenstreamClient.Subscription subscription;
    private boolean closed;

    StreamSession(TokenstreamClient client, StreamMetadata metadata, List<StreamHandler> handlers) {
        this.client = client;
        this.metadata = metadata;
        this.handlers = List.copyOf(handlers);
    }

    /** @return the stream's id and URLs */
    public StreamMetadata metadata() {
        return metadata;
    }

    /**
     * Holds delivery; generation goes on upstream.
     *
     * @return the command id
     */
    public String pause() {
        return client.pause(metadata.streamId());
    }

    /**
     * Delivers the held tokens, then goes on live.
     *
     * @return the command id
     */
    public String resume() {
        return client.resume(metadata.streamId());
    }

    /**
     * Ends the stream and aborts the provider call.
     *
     * @return the command id
     */
    public String cancel() {
        return client.cancel(metadata.streamId());
    }

    /** @return the stream's state and statistics from the control API */
    public TokenstreamClient.Status status() {
        return client.status(metadata.streamId());
    }

    /**
     * Waits for the stream's end.
     *
     * @return how it ended
     * @throws TimeoutException when it did not end within {@code timeout}
     */
    public StreamResult awaitResult(Duration timeout) throws TimeoutException, InterruptedException {
        try {
            return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** @return completes with the stream's end */
    public CompletableFuture<StreamResult> result() {
        return result;
    }

    /** Drops the connection now and resumes after the last seq received (after a network change, say). */
    public void reconnect() {
        TokenstreamClient.Subscription old;
        synchronized (this) {
            old = subscription;
            generation++;
        }
        if (old != null) {
            old.close();
        }
        connect();
    }

    /** @return handler calls that threw; those exceptions were isolated */
    public long handlerErrors() {
        return handlerErrors.get();
    }

    /** @return times the session reconnected */
    public long reconnects() {
        return reconnects.get();
    }

    /** Stops receiving; the stream itself goes on (cancel it with {@link #cancel()}). */
    @Override
    public void close() {
        TokenstreamClient.Subscription open;
        synchronized (this) {
            closed = true;
            open = subscription;
            generation++;
        }
        if (open != null) {
            open.close();
        }
    }

    void connect() {
        int myGeneration;
        long after;
        boolean linkFailed;
        URI avoid;
        synchronized (this) {
            if (closed || result.isDone()) {
                return;
            }
            myGeneration = generation;
            after = lastSeq;
            linkFailed = failedAttempts > 1;
            avoid = unreachable;
            unreachable = null;
        }
        // Fresh links when the token is about to expire, or when the link failed twice in a row or could not be
        // connected: the delivery instance it names may be gone, and control names one that serves the stream now.
        if (linkFailed || avoid != null || TokenstreamClient.tokenExpiresSoon(metadata.ws())) {
            try {
                var fresh = client.links(metadata.streamId(), avoid);
                metadata = new StreamMetadata(fresh.streamId(), fresh.ws(), fresh.sse());
            } catch (TokenstreamException e) {
                // the old link is tried; its refusal counts as a failed attempt
            }
        }
        try {
            var opened = client.subscribe(metadata.ws(), after, new TokenstreamClient.FrameListener() {
                @Override
                public void onFrame(DeliveryFrame frame) {
                    StreamSession.this.onFrame(myGeneration, frame);
                }

                @Override
                public void onClose(int code, String reason) {
                    dropped(myGeneration, new TokenstreamException(code, "connection closed: " + code + " " + reason));
                }

                @Override
                public void onError(Throwable error) {
                    // An instance that stopped answering is left at once, as one that refused the connection.
                    dropped(myGeneration, error, error instanceof TokenstreamClient.UnresponsiveException
                            ? metadata.ws() : null);
                }
            }, true);
            synchronized (this) {
                if (myGeneration == generation) {
                    subscription = opened;
                    return;
                }
            }
            opened.close();
        } catch (TokenstreamException e) {
            dropped(myGeneration, e, metadata.ws());
        }
    }

    private synchronized void onFrame(int frameGeneration, DeliveryFrame frame) {
        if (frameGeneration != generation || frame.seq() < 0 || frame.seq() <= lastSeq) {
            return; // a stale connection, or a frame already handled
        }
        lastSeq = frame.seq();
        failedAttempts = 0;
        switch (frame.type()) {
            case STARTED -> each(h -> h.onStreamStart(metadata));
            case TOKEN -> {
                String token = frame.text() == null ? "" : frame.text();
                text.append(token);
                long index = tokenFrames++;
                tokens += frame.tokenCount();
                if (frame.member() != null) {
                    int member = frame.member();
                    each(h -> h.onMemberToken(member, token, index));
                } else {
                    each(h -> h.onToken(token, index));
                }
            }
            case COMPARISON -> each(h -> h.onComparison(frame.comparison()));
            case REASONING -> {
                String reasoning = frame.text() == null ? "" : frame.text();
                each(h -> h.onReasoning(reasoning));
            }
            case TOOL_CALL -> each(h -> h.onToolCall(frame.toolCall()));
            case COMPLETED -> end(StreamState.COMPLETED, null);
            case CANCELLED -> end(StreamState.CANCELLED, null);
            case FAILED -> {
                ErrorInfo error = frame.error();
                end(StreamState.FAILED, error == null ? new StreamFailedException("upstream_error", "", false)
                        : new StreamFailedException(error.code(), error.message(), error.retryable()));
            }
            case PAUSED, RESUMED, CONTINUED -> {
                // the state is the control API's to tell; the frame only moves the position
            }
        }
    }

    private void end(StreamState state, Throwable error) {
        String full = text.toString();
        if (error == null) {
            each(h -> h.onStreamComplete(full));
        } else {
            each(h -> h.onStreamError(error));
        }
        result.complete(new StreamResult(metadata.streamId(), state, full, tokens, tokenFrames, error));
    }

    private void dropped(int droppedGeneration, Throwable why) {
        dropped(droppedGeneration, why, null);
    }

    /** @param refusedBy the link that could not be connected at all, or null for a connection that dropped */
    private void dropped(int droppedGeneration, Throwable why, URI refusedBy) {
        long delayMillis;
        synchronized (this) {
            if (droppedGeneration != generation || closed || result.isDone()) {
                return;
            }
            generation++;
            subscription = null;
            if (++failedAttempts > MAX_RECONNECTS) {
                var error = new TokenstreamException("stream " + metadata.streamId() + ": gave up after "
                        + MAX_RECONNECTS + " reconnections: " + why.getMessage(), why);
                each(h -> h.onStreamError(error));
                result.complete(new StreamResult(metadata.streamId(), StreamState.FAILED, text.toString(), tokens,
                        tokenFrames, error));
                return;
            }
            delayMillis = Math.min(2000, 100L << Math.min(4, failedAttempts - 1));
            if (refusedBy != null && failedAttempts <= 2) {
                // Its instance is gone: fresh links naming another one, at once (later refusals back off).
                unreachable = refusedBy;
                delayMillis = 0;
            }
        }
        reconnects.incrementAndGet();
        CompletableFuture.runAsync(this::connect,
                CompletableFuture.delayedExecutor(delayMillis, TimeUnit.MILLISECONDS));
    }

    private void each(Consumer<StreamHandler> call) {
        for (StreamHandler handler : handlers) {
            try {
                call.accept(handler);
            } catch (RuntimeException e) {
                handlerErrors.incrementAndGet();
            }
        }
    }
}
