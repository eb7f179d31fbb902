package dev.tokenstream.ingest.provider;

import dev.tokenstream.events.Micros;
import dev.tokenstream.events.StreamRequest;
import dev.tokenstream.events.ToolCall;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.Usage;
import dev.tokenstream.ingest.config.IngestConfig;
import dev.tokenstream.ingest.messaging.Continuation;
import dev.tokenstream.ingest.messaging.EarlierAnswers;
import dev.tokenstream.ingest.messaging.RequestRedelivery;
import dev.tokenstream.ingest.messaging.TokenPublisher;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Runs one stream: calls its provider's streaming API through the official SDK ({@link ProviderClient}) and
 * publishes its {@link TokenEvent}s in order, {@code seq} counting from 0: started, then token, reasoning and
 * tool-call events as they arrive, then completed, failed or cancelled. Provider {@code replay:<streamId>}
 * re-publishes a recorded stream ({@link RecordingReplayer}).
 * <p>
 * Failure policy, per provider ({@link IngestConfig.Provider}): a retryable failure (rate limited, overloaded,
 * timeout, upstream error, dropped connection) is retried with exponential backoff and jitter, honouring
 * {@code Retry-After}, but only while no content of the stream has been published; after that a failure ends the
 * stream with a failed event marked retryable or not. The first-token and idle timeouts are enforced by the
 * {@link ActiveStreams} watchdog, which drops the connection. A provider with a concurrency limit makes streams
 * wait for a permit (cancellable) before they call it. A cancel drops the provider's connection at once; the
 * usage known so far goes out with the cancelled event.
 * <p>
 * Every event carries this run's attempt (epoch microseconds when the worker took the request). A request taken
 * again after a crash (its offset was not committed) is a new attempt with its seq from 0; the processor fences the
 * older attempt: it replaces it when no content went out yet, and ends the stream as {@code interrupted} otherwise.
 * Before calling the provider for such a request, the worker asks the processor ({@link RequestRedelivery}), so an
 * ended stream is not generated, nor billed, again. When content went out and the provider's
 * {@code after-instance-loss} is {@code continue}, the worker reads the answer so far back from the log
 * ({@link EarlierAnswers}) and asks the provider to go on from it: the new attempt's seqs continue the old one's, and
 * the processor takes it as a continuation.
 * <p>
 * The retry loop, its backoff and the permit wait are ours, not SmallRye Fault Tolerance's {@code @Retry} and
 * {@code @Bulkhead}: the settings are per provider and known only at run time, a retry is allowed only while no
 * content has gone out (a property of the attempt, not of the exception), {@code Retry-After} replaces the
 * backoff or ends the stream, and every wait must end within {@value #PERMIT_POLL_MILLIS} ms of a cancel, which an
 * interceptor's sleep or a bulkhead's queue cannot observe.
 */
@ApplicationScoped
public class StreamWorker {

    private static final long PERMIT_POLL_MILLIS = 20;

    private final ProviderRegistry providers;
    private final ActiveStreams activeStreams;
    private final TokenPublisher publisher;
    private final RecordingReplayer replayer;
    private final ProviderMetrics metrics;
    private final EarlierAnswers earlierAnswers;

    public StreamWorker(ProviderRegistry providers, ActiveStreams activeStreams, TokenPublisher publisher,
                        RecordingReplayer replayer, ProviderMetrics metrics, EarlierAnswers earlierAnswers) {
        this.earlierAnswers = earlierAnswers;
        this.providers = providers;
        this.metrics = metrics;
        this.replayer = replayer;
        this.activeStreams = activeStreams;
        this.publisher = publisher;
    }

    /**
     * Streams {@code request} to its end on the calling thread and waits until Kafka acknowledged the terminal
     * event, so the request's offset is committed only then.
     *
     * @param earlier what became of an earlier run of this request ({@link RequestRedelivery}), asked only when one
     *                may have happened: an ended stream is not run again, and one whose content reached its client
     *                ends as {@code interrupted} without a provider call
     * @throws IllegalStateException when the terminal event could not be written
     */
    public void run(StreamRequest request, Supplier<RequestRedelivery.Earlier> earlier) {
        String id = request.streamId();
        if (activeStreams.isRunning(id)) {
            // The same request written twice (a retried start with its Idempotency-Key): one run is the stream.
            Log.infof("stream %s: a second request for a stream running here ignored", id);
            return;
        }
        UpstreamCall call = activeStreams.register(id);
        var stream = new StreamPublication(id, publisher, Micros.now());
        try {
            if (call.isCancelled()) {
                Log.infof("stream %s cancelled before it started", id);
                stream.publish(seq -> TokenEvent.cancelled(id, seq, null, Micros.now()));
                return;
            }
            RequestRedelivery.Earlier before = earlier.get();
            if (before == RequestRedelivery.Earlier.ENDED) {
                Log.infof("stream %s: its request was taken again after the stream ended; nothing to do", id);
                return;
            }
            if (before == RequestRedelivery.Earlier.CONTENT_DELIVERED) {
                var provider = providers.provider(request.provider()).filter(p -> p.settings()
                        .afterInstanceLossOrDefault() == IngestConfig.AfterInstanceLoss.CONTINUE);
                Optional<Continuation> continuation = provider.flatMap(p -> earlierAnswers.read(id,
                        request.acceptedAtMicros()));
                if (continuation.isPresent()) {
                    Log.infof("stream %s: taken again after %d tokens reached the client; asking %s to go on from "
                            + "them", id, continuation.get().tokens(), request.provider());
                    stream.continueAt(continuation.get().nextSeq());
                    streamFrom(provider.get(), request, call, stream, continuation.get());
                    return;
                }
                Log.warnf("stream %s: taken again after its content reached the client; ended as interrupted", id);
                stream.publish(seq -> TokenEvent.failed(id, seq, FailureReason.INTERRUPTED.toError(
                        "the stream's generation was interrupted (ingest restarted); start it again"), null,
                        Micros.now()));
                return;
            }
            if (request.provider() != null && request.provider().startsWith(RecordingReplayer.PREFIX)) {
                replayer.replay(request.provider().substring(RecordingReplayer.PREFIX.length()), request, call, stream);
                return;
            }
            var provider = providers.provider(request.provider());
            if (provider.isEmpty()) {
                refuse(stream, FailureReason.UNKNOWN_PROVIDER, "no provider named '" + request.provider()
                        + "' is configured; known: " + providers.names() + " and replay:<streamId>");
                return;
            }
            var models = provider.get().settings().models();
            if (models.isPresent() && !models.get().contains(request.model())) {
                refuse(stream, FailureReason.INVALID_REQUEST, "provider '" + request.provider()
                        + "' does not offer model '" + request.model() + "'; its models: " + models.get());
                return;
            }
            streamFrom(provider.get(), request, call, stream, null);
        } catch (RuntimeException e) {
            // Every stream ends: a failure of ours still gets a terminal event, then the request is dead-lettered.
            if (!stream.ended()) {
                Log.errorf(e, "stream %s: ingest failed while running it", id);
                stream.publish(seq -> TokenEvent.failed(id, seq, FailureReason.INTERNAL_ERROR.toError(
                        "ingest failed while running the stream (" + e.getClass().getSimpleName() + ")"), null,
                        Micros.now()));
            }
            throw e;
        } finally {
            activeStreams.remove(id);
            stream.awaitLastAck();
        }
    }

    private static void refuse(StreamPublication stream, FailureReason reason, String message) {
        Log.warnf("stream %s refused: %s", stream.streamId, message);
        stream.publish(seq -> TokenEvent.failed(stream.streamId, seq, reason.toError(message), null, Micros.now()));
    }

    /**
     * @param continuation the answer a lost instance delivered, to go on from (the stream's events then continue
     *                     its seqs, and its usage counts both calls); null for a new answer
     */
    private void streamFrom(ProviderRegistry.Provider provider, StreamRequest request, UpstreamCall call,
                            StreamPublication stream, Continuation continuation) {
        String id = request.streamId();
        IngestConfig.Provider settings = provider.settings();
        long upstreamRequestAt = Micros.now();
        stream.publish(seq -> TokenEvent.started(id, seq, request.provider(), request.model(),
                request.acceptedAtMicros(), upstreamRequestAt, upstreamRequestAt, request.buffering())
                .withTenant(request.tenant()));
        var emitter = new Emitter(stream, call, continuation);
        for (int attempt = 1; ; attempt++) {
            if (!acquire(provider, call)) {
                publishStopped(stream, call, null);
                return;
            }
            var measured = metrics.attempt(request.provider(), request.model());
            emitter.startAttempt(measured);
            call.startAttempt(settings.firstTokenTimeout(), settings.idleTimeout());
            UpstreamFailure failure = null;
            try {
                provider.client().stream(request, continuation, emitter);
            } catch (RuntimeException e) {
                failure = provider.client().classify(e);
            } finally {
                if (provider.permits() != null) {
                    provider.permits().release();
                }
            }
            if (stream.refused() != null) {
                measured.end(FailureReason.DATA_LOSS.code(), emitter.usage);
                Usage usage = emitter.usage;
                Log.errorf("stream %s failed after %d tokens: Kafka refused an event (%s)", id, stream.tokens(),
                        stream.refused().getMessage());
                stream.publish(seq -> TokenEvent.failed(id, seq, FailureReason.DATA_LOSS.toError(
                        "Kafka refused an event of the stream; what was delivered before it is whole"), usage,
                        Micros.now()));
                return;
            }
            if (call.isCancelled()) {
                measured.end(call.isInterrupted() ? FailureReason.INTERRUPTED.code() : "cancelled", emitter.usage);
                publishStopped(stream, call, emitter.usage);
                return;
            }
            if (call.timeout() != null) {
                failure = new UpstreamFailure(FailureReason.TIMEOUT, call.timeout());
            } else if (failure == null && emitter.finishReason == null) {
                failure = new UpstreamFailure(FailureReason.UPSTREAM_ERROR,
                        "the provider's stream ended without a finish reason (connection dropped?)");
            }
            measured.end(failure == null ? null : failure.reason().code(), emitter.usage);
            if (failure == null) {
                String reason = emitter.refusal && "stop".equals(emitter.finishReason) ? "refusal" : emitter.finishReason;
                Usage usage = emitter.usage;
                stream.publish(seq -> TokenEvent.completed(id, seq, reason, usage, Micros.now()));
                Log.infof("stream %s completed: %d tokens, finish reason %s", id, stream.tokens(), reason);
                return;
            }
            Duration backoff = retryBackoff(failure, attempt, settings, emitter.contentEvents);
            if (backoff == null) {
                if (continuation != null && emitter.contentEvents == 0) {
                    // A provider that will not go on from the answer so far (it refused the unfinished message, say):
                    // the stream ends as it would have without trying; the provider's words stay in this log.
                    Log.warnf("stream %s: %s did not continue the answer so far: %s (%s)", id, request.provider(),
                            failure.reason().code(), failure.message());
                    failure = new UpstreamFailure(FailureReason.INTERRUPTED, "the stream's generation was "
                            + "interrupted (ingest restarted) and " + request.provider() + " did not continue it ("
                            + failure.reason().code() + "); start it again");
                }
                UpstreamFailure failed = failure;
                Usage usage = emitter.usage;
                Log.warnf("stream %s failed after %d tokens, attempt %d: %s (%s)", id, stream.tokens(), attempt,
                        failed.reason().code(), failed.message());
                stream.publish(seq -> TokenEvent.failed(id, seq, failed.toError(), usage, Micros.now()));
                return;
            }
            Log.warnf("stream %s attempt %d failed before its first token: %s (%s); retrying in %d ms", id, attempt,
                    failure.reason().code(), failure.message(), backoff.toMillis());
            if (!sleep(backoff, call)) {
                publishStopped(stream, call, null);
                return;
            }
        }
    }

    /**
     * @return the wait before the next attempt, or null when the failure ends the stream: not retryable, content
     * already published, attempts used up, or a {@code Retry-After} longer than the longest backoff
     */
    static Duration retryBackoff(UpstreamFailure failure, int attempt, IngestConfig.Provider settings,
                                 long contentEvents) {
        if (!failure.reason().retryable() || contentEvents > 0 || attempt >= settings.maxAttempts()) {
            return null;
        }
        if (failure.retryAfter() != null) {
            return failure.retryAfter().compareTo(settings.retryMaxBackoff()) > 0 ? null : failure.retryAfter();
        }
        long ceiling = Math.min(settings.retryMaxBackoff().toMillis(),
                settings.retryInitialBackoff().toMillis() << Math.min(attempt - 1, 20));
        // "Equal jitter": half fixed, half random, so retries of many streams spread out.
        return Duration.ofMillis(ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1));
    }

    /**
     * Waits for a permit of a provider with a concurrency limit.
     *
     * @return false when cancelled meanwhile
     */
    private static boolean acquire(ProviderRegistry.Provider provider, UpstreamCall call) {
        if (provider.permits() == null) {
            return true;
        }
        try {
            while (!call.isCancelled()) {
                if (provider.permits().tryAcquire(PERMIT_POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    /** @return false when the call was cancelled during the wait */
    private static boolean sleep(Duration wait, UpstreamCall call) {
        long end = System.nanoTime() + wait.toNanos();
        try {
            while (!call.isCancelled()) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(PERMIT_POLL_MILLIS)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    /** A call that stopped early: failed as {@code interrupted} when ingest is stopping, else cancelled. */
    private static void publishStopped(StreamPublication stream, UpstreamCall call, Usage usage) {
        if (call.isInterrupted()) {
            stream.publish(seq -> TokenEvent.failed(stream.streamId, seq, FailureReason.INTERRUPTED.toError(
                    "ingest-service stopped before the stream's end; start it again"), usage, Micros.now()));
            Log.infof("stream %s interrupted after %d tokens: ingest is stopping", stream.streamId, stream.tokens());
        } else {
            publishCancelled(stream, usage);
        }
    }

    /**
     * Publishes the cancelled event with the usage known so far: the provider's last report, its output count
     * raised to the token events published when the report is older (Anthropic reports output tokens at the start
     * and at the end only).
     */
    static void publishCancelled(StreamPublication stream, Usage reported) {
        long counted = stream.tokens();
        Usage usage = reported == null ? new Usage(null, counted, null, null)
                : new Usage(reported.inputTokens(), Math.max(counted, reported.outputTokens() == null ? 0
                        : reported.outputTokens()), reported.cachedInputTokens(), reported.reasoningTokens());
        stream.publish(seq -> TokenEvent.cancelled(stream.streamId, seq, usage, Micros.now()));
        Log.infof("stream %s cancelled after %d tokens", stream.streamId, stream.tokens());
    }

    /** Publishes what the provider client reports, and keeps the attempt's finish reason and usage. */
    private static final class Emitter implements UpstreamSink {

        private final StreamPublication stream;
        private final UpstreamCall call;
        private final Continuation continuation;
        long contentEvents;
        boolean refusal;
        String finishReason;
        Usage usage;
        private ProviderMetrics.Attempt attempt;

        Emitter(StreamPublication stream, UpstreamCall call, Continuation continuation) {
            this.stream = stream;
            this.call = call;
            this.continuation = continuation;
        }

        void startAttempt(ProviderMetrics.Attempt measured) {
            attempt = measured;
            finishReason = null;
            usage = null;
        }

        @Override
        public void event() {
            call.onEvent(false);
        }

        @Override
        public void text(String text, boolean isRefusal) {
            content();
            refusal |= isRefusal;
            stream.publish(seq -> TokenEvent.token(stream.streamId, seq, text, Micros.now()));
        }

        @Override
        public void reasoning(String text) {
            content();
            stream.publish(seq -> TokenEvent.reasoning(stream.streamId, seq, text, Micros.now()));
        }

        @Override
        public void toolCall(ToolCall toolCall) {
            content();
            stream.publish(seq -> TokenEvent.toolCall(stream.streamId, seq, toolCall, Micros.now()));
        }

        private void content() {
            call.onEvent(true);
            attempt.chunk();
            contentEvents++;
        }

        @Override
        public void usage(Usage reported) {
            usage = continuation == null ? reported : continuation.withLostCall(reported);
        }

        @Override
        public void finish(String reason) {
            finishReason = reason;
        }

        @Override
        public boolean cancelled() {
            return call.isCancelled() || call.timeout() != null || stream.refused() != null;
        }
    }
}
