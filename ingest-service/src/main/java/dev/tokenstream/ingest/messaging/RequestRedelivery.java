package dev.tokenstream.ingest.messaging;

import dev.tokenstream.api.ProcessorApi;

import dev.tokenstream.events.StreamStats;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.rest.client.inject.RestClient;

import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Tells a request that another run may have taken before (an ingest instance crashed, or lost its partition, before
 * committing the request's offset) from a new one, and asks stream-processor what became of such a stream before
 * its provider is called again. A request is possibly taken before when it was already in its partition when this
 * instance was assigned the partition: a record written after that is fetched by this instance alone. Only those
 * cost a lookup (one HTTP query to the processor, forwarded to the stream's owner); new requests go straight to the
 * provider.
 */
@ApplicationScoped
@Identifier(RequestRedelivery.NAME)
public class RequestRedelivery implements KafkaConsumerRebalanceListener {

    /** The listener's name, as channel {@code requests} names it ({@code consumer-rebalance-listener.name}). */
    public static final String NAME = "requests-redelivery";

    /** What the processor knows of a stream whose request may have run before. */
    public enum Earlier {
        /** Nothing, or nothing reached a client: run it (the processor replaces an attempt without content). */
        NOTHING_DELIVERED,
        /** Content reached the client: a new generation would splice; end the stream as interrupted. */
        CONTENT_DELIVERED,
        /** The stream ended (completed, failed or cancelled): nothing to do. */
        ENDED
    }

    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(5);
    /** How often a stream another instance may still generate is looked at. */
    private static final Duration POLL = Duration.ofMillis(250);
    /**
     * How long without a new token a stream another instance may still generate is taken for lost: longer than a
     * processor failover (about 1.6 s, docs/performance.md), during which its tokens wait in Kafka.
     */
    static final Duration QUIET = Duration.ofSeconds(3);
    /** How long a processor that cannot answer is waited for. */
    private static final Duration BLIND = Duration.ofSeconds(30);

    private final Map<TopicPartition, Long> endAtAssignment = new ConcurrentHashMap<>();
    private final ProcessorApi processor;
    private final MeterRegistry registry;

    public RequestRedelivery(@RestClient ProcessorApi processor, MeterRegistry registry) {
        this.processor = processor;
        this.registry = registry;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        endAtAssignment.putAll(consumer.endOffsets(partitions));
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        partitions.forEach(endAtAssignment::remove);
    }

    /** @return whether the request at this offset was in its partition before this instance was assigned it */
    public boolean takenBefore(String topic, int partition, long offset) {
        Long end = endAtAssignment.get(new TopicPartition(topic, partition));
        return end == null || offset < end;
    }

    /**
     * Asks the processor about a stream whose request may have run before. When it cannot answer (restarting,
     * unreachable), the stream runs: the processor still fences the new attempt, at the cost of a few tokens billed.
     * Counted in {@code tokenstream_ingest_requests_taken_again_total}, tagged by the answer.
     */
    public Earlier earlier(String streamId) {
        Earlier earlier = ask(streamId);
        registry.counter("tokenstream.ingest.requests.taken.again", "earlier",
                earlier.name().toLowerCase(Locale.ROOT)).increment();
        return earlier;
    }

    private Earlier ask(String streamId) {
        StreamStats stats;
        try {
            stats = stats(streamId);
        } catch (RuntimeException e) {
            Log.warnf("stream %s: the processor could not tell what became of it (%s); running it", streamId,
                    e.toString());
            return Earlier.NOTHING_DELIVERED;
        }
        if (stats == null) {
            return Earlier.NOTHING_DELIVERED;
        }
        if (stats.state().isTerminal()) {
            return Earlier.ENDED;
        }
        return stats.outputTokens() > 0 || stats.ttftMillis() != null ? whileGenerated(streamId, stats)
                : Earlier.NOTHING_DELIVERED;
    }

    /**
     * A stream with content whose request this instance got again may still be generated by the instance that had
     * it: a rebalance moved the partition (a member late to rejoin, a group coordinator that moved), that instance did
     * not die. Seen in {@code ClusterChaosIT}: ending such a stream as {@code interrupted} cut a healthy answer. So
     * while its tokens keep arriving at the processor, this waits for its end ({@link Earlier#ENDED}: nothing to do);
     * once none arrived for {@link #QUIET} (its instance is gone), it is {@link Earlier#CONTENT_DELIVERED}. A
     * processor that cannot answer meanwhile (failing over) does not count as quiet, for at most {@link #BLIND}.
     */
    private Earlier whileGenerated(String streamId, StreamStats first) {
        long tokens = first.outputTokens();
        long quietSince = System.nanoTime();
        long blindSince = 0;
        while (true) {
            try {
                TimeUnit.MILLISECONDS.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Earlier.CONTENT_DELIVERED;
            }
            long now = System.nanoTime();
            StreamStats stats;
            try {
                stats = stats(streamId);
                blindSince = 0;
            } catch (RuntimeException e) {
                blindSince = blindSince == 0 ? now : blindSince;
                if (now - blindSince > BLIND.toNanos()) {
                    return Earlier.CONTENT_DELIVERED;
                }
                quietSince = now;
                continue;
            }
            if (stats == null || stats.state().isTerminal()) {
                return stats == null ? Earlier.CONTENT_DELIVERED : Earlier.ENDED;
            }
            if (stats.outputTokens() > tokens) {
                tokens = stats.outputTokens();
                quietSince = now;
            } else if (now - quietSince > QUIET.toNanos()) {
                return Earlier.CONTENT_DELIVERED;
            }
        }
    }

    /**
     * @return what the processor knows of the stream; null when nothing (404)
     * @throws RuntimeException when it cannot answer (unreachable, restarting: any status but 200 and 404)
     */
    private StreamStats stats(String streamId) {
        // The client's read timeout (ingest.processor-api: 3 s) bounds the wait; this bound is a backstop.
        try (Response response = processor.stats(streamId).await().atMost(ANSWER_TIMEOUT)) {
            if (response.getStatus() == 404) {
                return null;
            }
            if (response.getStatus() != 200) {
                throw new IllegalStateException("the processor answered " + response.getStatus());
            }
            return response.readEntity(StreamStats.class);
        }
    }
}
