package dev.tokenstream.ingest.messaging;

import dev.tokenstream.events.KafkaConnection;
import dev.tokenstream.events.Merge;
import dev.tokenstream.events.StreamPartitions;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.TokenEventKind;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.TokenEventRecords;
import dev.tokenstream.ingest.config.IngestConfig;
import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Reads back, from the tokens topic, the answer that earlier runs of a stream's request delivered, so that a run
 * after a lost instance can ask the provider to go on from it ({@link Continuation}).
 * <p>
 * From the stream's partition (its own topic in the per-stream layout), from a minute before the request was accepted
 * to the end of the log as it is now: the events of the latest attempt, and, below the seq it started at (a
 * continuation's), those of the attempt it continued, back to seq 0. The answer can be continued only when that
 * chain has no gap, no end and only text (reasoning and tool calls are not something a provider takes as an
 * unfinished assistant message). A lost instance that is not dead after all (it wakes and writes more) is no risk:
 * the processor accepts the continuation only if its first seq follows the last event it applied.
 * <p>
 * A consumer of its own for each read, assigned (no group): this runs only for a request taken again after its
 * content reached the client, a handful per lost instance.
 */
@ApplicationScoped
public class EarlierAnswers {

    /** How far before the request's acceptance the read starts: clocks of the hosts may differ that much. */
    private static final Duration CLOCK_MARGIN = Duration.ofMinutes(1);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    private final Map<String, Object> connection;
    private final boolean perStream;
    private final TokenEventRecords records = new TokenEventRecords();

    public EarlierAnswers(IngestConfig config, @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.connection = KafkaConnection.of(kafka);
        this.perStream = "per-stream".equals(config.topicLayout());
    }

    /**
     * @param streamId         the stream
     * @param acceptedAtMicros when control-service accepted its request, epoch microseconds
     * @return the answer delivered so far; empty when it cannot be continued (the log says why, at INFO)
     */
    public Optional<Continuation> read(String streamId, long acceptedAtMicros) {
        String key = Merge.partitionKey(streamId);
        Map<String, Object> config = new HashMap<>(connection);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "tokenstream-ingest-earlier-answer");
        Map<Long, TreeMap<Long, TokenEvent>> attempts = new HashMap<>();
        try (var consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            String topic = perStream ? Topics.TOKENS + "." + streamId : Topics.TOKENS;
            int partition = perStream ? 0 : StreamPartitions.partitionOf(key, consumer.partitionsFor(topic).size());
            var tp = new TopicPartition(topic, partition);
            consumer.assign(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            OffsetAndTimestamp from = consumer.offsetsForTimes(Map.of(tp, Math.max(0,
                    TimeUnit.MICROSECONDS.toMillis(acceptedAtMicros) - CLOCK_MARGIN.toMillis()))).get(tp);
            if (from == null) {
                Log.infof("stream %s: nothing of it in %s since it was accepted", streamId, tp);
                return Optional.empty();
            }
            consumer.seek(tp, from.offset());
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (consumer.position(tp) < end) {
                if (System.nanoTime() > deadline) {
                    Log.warnf("stream %s: %s not read to its end within %s", streamId, tp, READ_TIMEOUT);
                    return Optional.empty();
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.value() == null || record.offset() >= end) {
                        continue;
                    }
                    List<TokenEvent> events;
                    try {
                        events = records.deserialize(topic, record.value());
                    } catch (SerializationException e) {
                        continue; // the processor's dead letter; were it this stream's, its chain has a gap
                    }
                    for (TokenEvent event : events) {
                        if (streamId.equals(event.streamId()) && event.attempt() != null) {
                            attempts.computeIfAbsent(event.attempt(), a -> new TreeMap<>()).put(event.seq(), event);
                        }
                    }
                }
            }
        }
        return chain(streamId, attempts);
    }

    /**
     * @param attempts each attempt's events by seq
     * @return the answer the chain of attempts makes, from the latest back to seq 0; empty when it cannot be
     *         continued
     */
    static Optional<Continuation> chain(String streamId, Map<Long, TreeMap<Long, TokenEvent>> attempts) {
        List<TokenEvent> chain = new ArrayList<>();
        long below = Long.MAX_VALUE;
        long nextSeq = -1;
        List<Long> latestFirst = attempts.keySet().stream().sorted(Comparator.reverseOrder()).toList();
        for (long attempt : latestFirst) {
            var events = attempts.get(attempt).headMap(below);
            if (events.isEmpty()) {
                continue;
            }
            long first = events.firstKey();
            long last = events.lastKey();
            if (nextSeq < 0) {
                nextSeq = last + 1;
            } else if (last != below - 1) {
                return refuse(streamId, "attempt " + attempt + " ends at event " + last + ", not " + (below - 1));
            }
            if (events.size() != last - first + 1 || events.get(first).kind() != TokenEventKind.STARTED) {
                return refuse(streamId, "attempt " + attempt + "'s events " + first + " to " + last + " have a gap");
            }
            chain.addAll(0, events.values());
            below = first;
            if (below == 0) {
                break;
            }
        }
        if (below != 0) {
            return refuse(streamId, nextSeq < 0 ? "no event of it in the log" : "its events before " + below
                    + " are not in the log");
        }
        var text = new StringBuilder();
        long tokens = 0;
        for (TokenEvent event : chain) {
            if (event.kind().isTerminal()) {
                return refuse(streamId, "it ended (" + event.kind() + ")");
            }
            if (event.kind().isContent() && event.kind() != TokenEventKind.TOKEN) {
                return refuse(streamId, "its answer holds " + event.kind() + " events, not only text");
            }
            if (event.kind() == TokenEventKind.TOKEN) {
                for (TokenEvent single : event.singles()) {
                    text.append(single.text());
                    tokens++;
                }
            }
        }
        if (tokens == 0) {
            return refuse(streamId, "no text reached the client");
        }
        return Optional.of(new Continuation(text.toString(), tokens, nextSeq));
    }

    private static Optional<Continuation> refuse(String streamId, String why) {
        Log.infof("stream %s: its answer so far cannot be continued: %s", streamId, why);
        return Optional.empty();
    }
}
