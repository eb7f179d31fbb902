package dev.tokenstream.delivery.messaging;

import dev.tokenstream.delivery.config.DeliveryConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.vertx.core.Vertx;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link FrameLog}s of the streams this instance knows, by stream id. Finished streams nobody reads are
 * dropped after {@code delivery.retain-finished}; unfinished ones nobody reads after twice that. Metrics:
 * {@code tokenstream_delivery_lag_seconds} (ingest received a token to its frame written to a client; the two
 * clocks must agree, as NTP keeps them) and {@code tokenstream_delivery_streams} (streams held in memory).
 */
@ApplicationScoped
public class FrameLogs {

    private final Map<String, FrameLog> logs = new ConcurrentHashMap<>();
    private final DeliveryConfig config;
    private final Vertx vertx;
    private final DeliveryBackfill backfill;
    private final Timer lag;

    public FrameLogs(DeliveryConfig config, Vertx vertx, DeliveryBackfill backfill, MeterRegistry registry) {
        this.config = config;
        this.vertx = vertx;
        this.backfill = backfill;
        this.lag = Timer.builder("tokenstream.delivery.lag")
                .description("Time from ingest receiving a token to its frame written to a client")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
        registry.gaugeMapSize("tokenstream.delivery.streams", Tags.empty(), logs);
    }

    @PostConstruct
    void scheduleEviction() {
        vertx.setPeriodic(30_000, t -> evict());
    }

    /** Appends a frame from the deliveries topic to its stream's log. */
    public void append(String streamId, Frame frame) {
        logs.computeIfAbsent(streamId, FrameLog::new).append(frame);
    }

    /**
     * Subscribes a client to a stream, known yet or not (a client may connect before the first frame). When
     * memory lacks the frames the client asks for, they are read back from Kafka ({@link DeliveryBackfill}); when
     * memory holds none of the stream's frames, only if none arrive within {@code delivery.backfill-delay}.
     *
     * @param afterSeq the last seq the client saw, or -1
     */
    public Subscriber subscribe(String streamId, long afterSeq, FrameSink sink) {
        FrameLog log = logs.computeIfAbsent(streamId, FrameLog::new);
        Subscriber subscriber = log.subscribe(afterSeq, sink, new Backpressure(
                config.coalesceLagFrames(), config.maxCoalescedFrames(), config.maxLagFrames()), lag);
        if (!log.isEmpty()) {
            backfillIfNeeded(log, afterSeq);
        } else {
            // Most often a new stream whose first frame is on its way: read back only if it does not come.
            vertx.setTimer(Math.max(1, config.backfillDelay().toMillis()), timer -> {
                if (log.hasSubscriber(subscriber)) {
                    backfillIfNeeded(log, afterSeq);
                }
            });
        }
        return subscriber;
    }

    private void backfillIfNeeded(FrameLog log, long afterSeq) {
        if (log.needsBackfill(afterSeq)) {
            backfill.fill(log);
        }
    }

    /**
     * Drops a stream's frames from memory at once, ahead of eviction; a later reader gets them back from Kafka.
     * The tests use it to exercise that path.
     */
    public void forget(String streamId) {
        logs.remove(streamId);
    }

    /** @return how many streams are held in memory */
    public int streamCount() {
        return logs.size();
    }

    void evict() {
        long now = System.nanoTime();
        long finished = config.retainFinished().toNanos();
        int before = logs.size();
        logs.values().removeIf(log -> log.isIdleFor(log.isFinished() ? finished : 2 * finished, now));
        if (logs.size() < before) {
            Log.debugf("evicted %d idle streams", before - logs.size());
        }
    }
}
