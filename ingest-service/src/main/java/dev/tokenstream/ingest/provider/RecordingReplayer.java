package dev.tokenstream.ingest.provider;

import dev.tokenstream.events.ErrorInfo;
import dev.tokenstream.events.KafkaConnection;
import dev.tokenstream.events.Micros;
import dev.tokenstream.events.StreamRequest;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.TokenEventKind;
import dev.tokenstream.replay.RecordedEvent;
import dev.tokenstream.replay.RecordedStream;
import dev.tokenstream.replay.ReplayException;
import dev.tokenstream.replay.StreamLog;
import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The {@code replay:<streamId>} provider: re-publishes a stream recorded in {@code tokenstream.tokens} as a new
 * stream, each token at the same offset from the upstream request as it had then, and ends it as the recording
 * ended (completed with its finish reason and usage, failed with its error, cancelled). A page, a client or the
 * benchmark can so be driven by real recorded streams. A cancel stops the replay within 20 ms.
 */
@ApplicationScoped
public class RecordingReplayer {

    /** Provider names that start with this replay the stream named after it. */
    public static final String PREFIX = "replay:";
    private static final long CANCEL_CHECK_MICROS = 20_000;

    private final Map<String, Object> connection;

    /** @param kafka the service's Kafka client configuration (all {@code kafka.*} settings) */
    public RecordingReplayer(@Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.connection = KafkaConnection.of(kafka);
    }

    void replay(String sourceId, StreamRequest request, UpstreamCall call, StreamPublication stream) {
        String id = request.streamId();
        RecordedStream recorded;
        try (var log = new StreamLog(connection)) {
            recorded = log.read(sourceId);
        } catch (ReplayException e) {
            Log.warnf("stream %s: cannot replay %s: %s", id, sourceId, e.getMessage());
            stream.publish(seq -> TokenEvent.failed(id, seq, FailureReason.INVALID_REQUEST.toError(e.getMessage()),
                    null, Micros.now()));
            return;
        }
        // The clock starts once the recording is read: the "upstream request" of a replay is its first event.
        long upstreamRequestAt = Micros.now();
        stream.publish(seq -> TokenEvent.started(id, seq, request.provider(), request.model(),
                request.acceptedAtMicros(), upstreamRequestAt, upstreamRequestAt, request.buffering())
                .withTenant(request.tenant()));
        long origin = recorded.started().map(TokenEvent::upstreamRequestAtMicros)
                .orElse(recorded.events().get(0).event().emittedAtMicros());
        for (RecordedEvent recordedEvent : recorded.oneTokenEach()) {
            TokenEvent event = recordedEvent.event();
            if (event.kind() == TokenEventKind.STARTED) {
                continue;
            }
            if (!waitUntil(upstreamRequestAt + (event.emittedAtMicros() - origin), call)) {
                StreamWorker.publishCancelled(stream, null);
                return;
            }
            switch (event.kind()) {
                case TOKEN -> stream.publish(seq -> TokenEvent.token(id, seq, event.text(), Micros.now()));
                case REASONING -> stream.publish(seq -> TokenEvent.reasoning(id, seq, event.text(), Micros.now()));
                case TOOL_CALL_DELTA, TOOL_CALL -> stream.publish(seq -> TokenEvent.toolCall(id, seq, event.toolCall(),
                        Micros.now()));
                case COMPLETED -> stream.publish(seq -> TokenEvent.completed(id, seq, event.finishReason(),
                        event.usage(), Micros.now()));
                case FAILED -> stream.publish(seq -> TokenEvent.failed(id, seq, event.error(), event.usage(),
                        Micros.now()));
                default -> stream.publish(seq -> TokenEvent.cancelled(id, seq, event.usage(), Micros.now()));
            }
            if (event.kind().isTerminal()) {
                Log.infof("stream %s replayed %s: %d tokens", id, sourceId, stream.tokens());
                return;
            }
        }
        // The recording stops without an end (its stream was still running, or was cut off).
        stream.publish(seq -> TokenEvent.failed(id, seq, new ErrorInfo("upstream_error",
                "the recording of " + sourceId + " ends without a terminal event", false), null, Micros.now()));
    }

    /** @return false when the call was cancelled before {@code targetMicros} */
    private static boolean waitUntil(long targetMicros, UpstreamCall call) {
        while (true) {
            if (call.isCancelled()) {
                return false;
            }
            long wait = targetMicros - Micros.now();
            if (wait <= 0) {
                return true;
            }
            try {
                TimeUnit.MICROSECONDS.sleep(Math.min(wait, CANCEL_CHECK_MICROS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
