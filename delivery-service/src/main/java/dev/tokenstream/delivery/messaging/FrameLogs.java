package dev.tokenstream.delivery.messaging;

import dev.tokenstream.delivery.config.DeliveryConfig;
import dev.tokenstream.events.StreamIds;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.vertx.core.Vertx;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@link FrameLog}s of the streams this instance knows, by stream id. Finished streams nobody reads are
 * dropped after {@code delivery.retain-finished}, or sooner, idle longest first, while there are more than
 * {@code delivery.max-finished-streams}; unfinished ones nobody reads after twice the retention.
 *
 * <p>Memory holds every stream created since a point in time whole: since the replay window's start when the
 * deliveries partitions were assigned ({@link #holdWholeSince}), and after the newest stream dropped from memory.
 * A client of a stream created after that point (its {@link StreamIds version 7 id} tells when) gets its frames
 * from memory as they arrive; any other stream memory holds no frame of is read back from Kafka. Metrics:
 * {@code tokenstream_delivery_lag_seconds} (ingest received a token to its frame written to a client; the two
 * clocks must agree, as NTP keeps them) and {@code tokenstream_delivery_streams} (streams held in memory).
 */
@ApplicationScoped
public class FrameLogs {

    /** Clocks of the services may differ this much: a frame's timestamp may precede its stream's id time. */
    private static final long CLOCK_SKEW_MILLIS = 60_000;

    private final Map<String, FrameLog> logs = new ConcurrentHashMap<>();
    private final DeliveryConfig config;
    private final Vertx vertx;
    private final DeliveryBackfill backfill;
    private final Timer lag;
    private final Counter diverged;
    /** Streams created at or after this time (epoch ms) are whole in memory; none before an assignment. */
    private final AtomicLong wholeSinceMillis = new AtomicLong(Long.MAX_VALUE);

    public FrameLogs(DeliveryConfig config, Vertx vertx, DeliveryBackfill backfill, MeterRegistry registry) {
        this.config = config;
        this.vertx = vertx;
        this.backfill = backfill;
        this.diverged = Counter.builder("tokenstream.delivery.diverged.streams")
                .description("streams ended as data_loss: a frame came again with other content").register(registry);
        this.lag = Timer.builder("tokenstream.delivery.lag")
                .description("Time from ingest receiving a token to its frame written to a client")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
        registry.gaugeMapSize("tokenstream.delivery.streams", Tags.empty(), logs);
    }

    @PostConstruct
    void scheduleEviction() {
        vertx.setPeriodic(10_000, t -> evict());
    }

    /**
     * Appends a frame from the deliveries topic to its stream's log. A stream the processor produced again
     * differently ends as {@code data_loss} ({@link FrameLog}), counted in
     * {@code tokenstream_delivery_diverged_streams_total}.
     */
    public void append(String streamId, Frame frame) {
        if (logs.computeIfAbsent(streamId, FrameLog::new).append(frame)) {
            diverged.increment();
            Log.errorf("stream %s: frame %d came again with other content; the stream ends as data_loss", streamId,
                    frame.seq());
        }
    }

    /**
     * Subscribes a client to a stream, known yet or not (a client may connect before the first frame). When
     * memory lacks the frames the client asks for, they are read back from Kafka ({@link DeliveryBackfill}).
     *
     * @param afterSeq the last seq the client saw, or -1
     */
    public Subscriber subscribe(String streamId, long afterSeq, FrameSink sink) {
        FrameLog log = logs.computeIfAbsent(streamId, FrameLog::new);
        // Asked before the first send, so the subscriber waits for older frames rather than skip them.
        boolean readBack = log.needsBackfill(afterSeq, isWhole(streamId));
        Subscriber subscriber = log.subscribe(afterSeq, sink, new Backpressure(
                config.coalesceLagFrames(), config.maxCoalescedFrames(), config.maxLagFrames()), lag);
        if (readBack) {
            backfill.fill(log);
        }
        return subscriber;
    }

    /**
     * Memory holds, from now on, every frame of the streams created at or after {@code sinceMillis}: the
     * deliveries partitions were just assigned and read from that time on.
     */
    public void holdWholeSince(long sinceMillis) {
        wholeSinceMillis.accumulateAndGet(sinceMillis,
                (current, since) -> current == Long.MAX_VALUE ? since : Math.max(current, since));
    }

    /** @return whether memory holds all of the stream's frames (none yet for a new stream) */
    private boolean isWhole(String streamId) {
        OptionalLong created = StreamIds.createdAtMillis(streamId);
        return created.isPresent() && created.getAsLong() - CLOCK_SKEW_MILLIS >= wholeSinceMillis.get();
    }

    private void dropped(String streamId) {
        StreamIds.createdAtMillis(streamId).ifPresent(created -> wholeSinceMillis.accumulateAndGet(
                created + CLOCK_SKEW_MILLIS + 1, Math::max));
    }

    /**
     * Drops a stream's frames from memory at once, ahead of eviction; a later reader gets them back from Kafka.
     * The tests use it to exercise that path.
     */
    public void forget(String streamId) {
        logs.remove(streamId);
        dropped(streamId);
    }

    /** @return whether memory holds the stream (any frame of it, or a subscriber waiting for them) */
    public boolean isHeld(String streamId) {
        return logs.containsKey(streamId);
    }

    /** @return how many streams are held in memory */
    public int streamCount() {
        return logs.size();
    }

    void evict() {
        long now = System.nanoTime();
        long finished = config.retainFinished().toNanos();
        int before = logs.size();
        logs.values().removeIf(log -> {
            boolean idle = log.isIdleFor(log.isFinished() ? finished : 2 * finished, now);
            if (idle) {
                dropped(log.streamId());
            }
            return idle;
        });
        List<FrameLog> unread = logs.values().stream().filter(log -> log.isFinished() && log.isIdleFor(0, now))
                .sorted(Comparator.comparingLong(FrameLog::lastActivityNanos)).toList();
        for (FrameLog log : unread.subList(0, Math.max(0, unread.size() - config.maxFinishedStreams()))) {
            if (logs.remove(log.streamId(), log)) {
                dropped(log.streamId());
            }
        }
        if (logs.size() < before) {
            Log.debugf("evicted %d idle streams", before - logs.size());
        }
    }
}
