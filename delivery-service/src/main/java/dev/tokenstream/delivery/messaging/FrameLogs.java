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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@link FrameLog}s of the streams this instance serves, by stream id: those of the deliveries partitions it
 * owns ({@link PartitionOwners}), fed from Kafka, and those of other partitions that clients here read, fed from
 * their owner ({@link OwnerFeeds}); so memory per instance falls as 1/N with N instances. Finished streams nobody
 * reads are dropped after {@code delivery.retain-finished}, or sooner, idle longest first, while there are more than
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
    private final PartitionOwners owners;
    private final OwnerFeeds feeds;
    private final Timer lag;
    private final Counter diverged;
    /** Streams created at or after this time (epoch ms) are whole in memory; none before an assignment. */
    private final AtomicLong wholeSinceMillis = new AtomicLong(Long.MAX_VALUE);

    public FrameLogs(DeliveryConfig config, Vertx vertx, DeliveryBackfill backfill, PartitionOwners owners,
                     OwnerFeeds feeds, MeterRegistry registry) {
        this.config = config;
        this.vertx = vertx;
        this.backfill = backfill;
        this.owners = owners;
        this.feeds = feeds;
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
        if (!owners.ownsStream(streamId) && !logs.containsKey(streamId)) {
            return; // a record of a partition just moved away, still on its way from the consumer
        }
        if (logs.computeIfAbsent(streamId, FrameLog::new).append(frame)) {
            diverged.increment();
            Log.errorf("stream %s: frame %d came again with other content; the stream ends as data_loss", streamId,
                    frame.seq());
        }
    }

    /**
     * Subscribes a client to a stream, known yet or not (a client may connect before the first frame). A stream of a
     * partition this instance owns is fed from Kafka, and when memory lacks the frames the client asks for they are
     * read back ({@link DeliveryBackfill}); any other stream is fed from the instance owning it ({@link OwnerFeeds}).
     *
     * @param afterSeq the last seq the client saw, or -1
     * @param everyFrame whether the client gets every frame as it is, never merged: another delivery instance
     *                   feeding its own clients (so its copy of the log is the same as this one), or a facade that
     *                   numbers its events by frame
     */
    public Subscriber subscribe(String streamId, long afterSeq, FrameSink sink, boolean everyFrame) {
        FrameLog log = logs.computeIfAbsent(streamId, FrameLog::new);
        boolean owned = owners.ownsStream(streamId);
        // Asked before the first send, so the subscriber waits for older frames rather than skip them.
        boolean readBack = owned && log.needsBackfill(afterSeq, isWhole(streamId));
        Backpressure backpressure = everyFrame
                ? new Backpressure(Integer.MAX_VALUE, 1, config.maxLagFrames())
                : new Backpressure(config.coalesceLagFrames(), config.maxCoalescedFrames(), config.maxLagFrames());
        Subscriber subscriber = log.subscribe(afterSeq, sink, backpressure, lag);
        if (readBack) {
            backfill.fill(log);
        } else if (!owned) {
            feeds.follow(log);
        }
        return subscriber;
    }

    /** {@link #subscribe(String, long, FrameSink, boolean)} for a client whose frames merge when it falls behind. */
    public Subscriber subscribe(String streamId, long afterSeq, FrameSink sink) {
        return subscribe(streamId, afterSeq, sink, false);
    }

    /**
     * Partitions moved to another instance: the streams of theirs that clients here read go on from the new owner
     * ({@link OwnerFeeds}, after the last seq held, so the clients see neither a gap nor a repeat); the others leave
     * memory (their new owner reads them from Kafka).
     */
    void handOver(Set<Integer> partitions) {
        int dropped = 0;
        for (FrameLog log : logs.values()) {
            if (!partitions.contains(owners.partitionOf(log.streamId()))) {
                continue;
            }
            if (log.subscriberCount() > 0 && !log.isFinished()) {
                feeds.follow(log);
            } else if (logs.remove(log.streamId(), log)) {
                dropped++;
            }
        }
        Log.infof("deliveries partitions %s moved away: %d streams left memory", partitions, dropped);
    }

    /**
     * After an assignment: clients that subscribed to streams of partitions this instance does not own (before it
     * knew which it owns) are fed from the owners.
     */
    void followNotOwned() {
        logs.values().stream().filter(log -> log.subscriberCount() > 0 && !log.isFinished()
                && !owners.ownsStream(log.streamId())).forEach(feeds::follow);
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
        if (!owners.ownsStream(streamId)) {
            return;
        }
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
        feeds.closeUnread();
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
