package dev.tokenstream.events;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Reads a compacted topic whole and follows it: a consumer of no group (every instance reads every record, from the
 * beginning, on every partition), on a thread of its own, handing each record to {@code apply} in offset order per
 * partition. For the tables every instance of a service keeps in memory (API keys, sessions); a change written by
 * any instance reaches the others as soon as the broker has it: a fetch waits up to {@value #WAIT_MILLIS} ms at the
 * broker but answers the moment a record arrives, so a quiet topic costs a fetch every few seconds, not two a second.
 */
public final class CompactedTopicReader implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(CompactedTopicReader.class.getName());
    /** How long a fetch of a quiet topic waits at the broker, and a poll in this process, ms. */
    static final int WAIT_MILLIS = 5_000;
    private static final Duration POLL = Duration.ofMillis(WAIT_MILLIS);
    private static final Duration RETRY = Duration.ofMillis(500);

    private final String topic;
    private final Consumer<ConsumerRecord<String, byte[]>> apply;
    private final KafkaConsumer<String, byte[]> consumer;
    private final CountDownLatch loaded = new CountDownLatch(1);
    private volatile boolean stopping;

    /**
     * @param topic      the topic
     * @param connection how to reach the cluster ({@link KafkaConnection})
     * @param clientId   the consumer's client id, for the broker's logs and quotas
     * @param apply      takes each record (a null value is a tombstone); called on the reader's thread only
     */
    public CompactedTopicReader(String topic, Map<String, Object> connection, String clientId,
                                Consumer<ConsumerRecord<String, byte[]>> apply) {
        this.topic = topic;
        this.apply = apply;
        Map<String, Object> config = new HashMap<>(connection);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, WAIT_MILLIS);
        this.consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * Starts reading, and waits until the topic is read to the end it had when reading began.
     *
     * @param loadTimeout how long to wait
     * @return true once read to its end; false when {@code loadTimeout} passed first (the reader is then closed)
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public boolean start(Duration loadTimeout) throws InterruptedException {
        Thread reader = new Thread(this::run, topic + "-reader");
        reader.setDaemon(true);
        reader.start();
        if (loaded.await(loadTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return true;
        }
        close();
        return false;
    }

    @Override
    public void close() {
        stopping = true;
        consumer.wakeup();
    }

    private void run() {
        try (KafkaConsumer<String, byte[]> reading = consumer) {
            List<TopicPartition> partitions = partitions(reading);
            reading.assign(partitions);
            reading.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = reading.endOffsets(partitions);
            while (!stopping) {
                // Before the poll: an empty topic is read to its end at once, not after a poll's whole wait.
                if (loaded.getCount() > 0 && end.entrySet().stream()
                        .allMatch(e -> reading.position(e.getKey()) >= e.getValue())) {
                    loaded.countDown();
                }
                for (ConsumerRecord<String, byte[]> record : reading.poll(POLL)) {
                    if (record.key() != null) {
                        apply.accept(record);
                    }
                }
            }
        } catch (WakeupException e) {
            // stopping
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "reading " + topic + " stopped; what is written to it from now on "
                    + "is not seen until a restart", e);
        }
    }

    private List<TopicPartition> partitions(KafkaConsumer<String, byte[]> reading) {
        while (!stopping) {
            List<PartitionInfo> infos = reading.partitionsFor(topic);
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            }
            try {
                Thread.sleep(RETRY.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WakeupException();
            }
        }
        throw new WakeupException();
    }
}
