package dev.tokenstream.delivery.messaging;

import dev.tokenstream.events.KafkaConnection;
import dev.tokenstream.replay.ReplayException;
import dev.tokenstream.replay.StreamLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Reads a stream's older delivery frames from {@code tokenstream.deliveries}, for a client resuming a stream
 * that memory does not hold (older than {@code delivery.replay-window}, or evicted): only the partition its key
 * hashes to, from shortly before the stream was accepted ({@link StreamLog}). Runs on one thread of its own,
 * never on the event loop. Made at startup, so its metric shows 0 before any read-back. Each read-back counts in {@code tokenstream_delivery_backfills_total}, tagged
 * {@code outcome} {@code read} (frames found), {@code none} (the stream is not in Kafka, or expired) or
 * {@code error}.
 */
@Startup
@ApplicationScoped
public class DeliveryBackfill {

    private final Map<String, Object> connection;
    private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "delivery-backfill");
        thread.setDaemon(true);
        return thread;
    });

    private final Counter read;
    private final Counter none;
    private final Counter failed;

    /**
     * @param kafka    the service's Kafka client configuration (all {@code kafka.*} settings)
     * @param registry where the read-backs are counted
     */
    public DeliveryBackfill(@Identifier("default-kafka-broker") Map<String, Object> kafka, MeterRegistry registry) {
        this.connection = KafkaConnection.of(kafka);
        this.read = backfills(registry, "read");
        this.none = backfills(registry, "none");
        this.failed = backfills(registry, "error");
    }

    private static Counter backfills(MeterRegistry registry, String outcome) {
        return Counter.builder("tokenstream.delivery.backfills")
                .description("Streams whose older frames were read back from Kafka for a client")
                .tag("outcome", outcome).register(registry);
    }

    /** Reads the stream's frames and hands them to {@code log}; a stream not (yet) in Kafka is left alone. */
    void fill(FrameLog log) {
        reader.execute(() -> {
            try (var streamLog = new StreamLog(connection)) {
                List<Frame> frames = new ArrayList<>();
                for (String json : streamLog.deliveryFrames(log.streamId())) {
                    Frame.parse(json).ifPresent(parsed -> frames.add(parsed.frame()));
                }
                read.increment();
                log.backfill(frames);
                Log.infof("stream %s: %d frames read back from Kafka for a resume", log.streamId(), frames.size());
            } catch (ReplayException e) {
                none.increment();
                Log.debugf("stream %s: nothing to read back (%s)", log.streamId(), e.reason());
                // Not in Kafka (a stream not written yet, or past the retention): what memory holds is all there is.
                log.backfill(List.of());
            } catch (IOException | RuntimeException e) {
                failed.increment();
                Log.warnf("stream %s: cannot read its frames back from Kafka: %s", log.streamId(), e.getMessage());
                log.backfillFailed();
            }
        });
    }

    @PreDestroy
    void shutdown() {
        reader.shutdownNow();
    }
}
