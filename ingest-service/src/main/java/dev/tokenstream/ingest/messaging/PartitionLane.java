package dev.tokenstream.ingest.messaging;

import dev.tokenstream.events.serde.TokenEventRecords;
import io.micrometer.core.instrument.Counter;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The events bound for one partition of the tokens topic, from every stream of that partition. An event goes to
 * the producer at once when none of the partition's records is in flight (an idle pipeline adds no delay); events
 * published while one is in flight queue, and go out together, as one record ({@link TokenEventRecords#batch}),
 * when the broker acknowledged it. So the records of the tokens topic, and every per-record cost after ingest
 * (the broker's appends, the processor's polls and record handling), fall with the load instead of growing with
 * it: with 100 streams over 3 partitions, a record carries the tokens that arrived in one acknowledgement's time.
 * <p>
 * Order: events enter in the order published (a stream publishes under its own lock, in seq order) and leave in
 * that order, one record in flight at a time, so a stream's events reach the partition in seq order.
 * <b>Backpressure:</b> while {@value #MAX_QUEUED_BYTES} bytes wait, a publisher blocks (up to the producer's
 * {@code max.block.ms}), as it would on a full producer buffer. The next record is sent from the acknowledgement,
 * on the producer's I/O thread: that send never blocks, because each lane has at most one record of at most
 * {@value #MAX_RECORD_BYTES} bytes in the producer's buffer (32 MiB by default: room for 128 partitions).
 */
final class PartitionLane {

    /** Bytes of events a record carries at most (the producer's {@code max.request.size} is 1 MiB). */
    static final int MAX_RECORD_BYTES = 256 * 1024;
    /** Bytes of events that may wait behind the record in flight before publishers block. */
    static final int MAX_QUEUED_BYTES = 1024 * 1024;

    /**
     * An encoded event waiting to be sent.
     *
     * @param key   its stream's partition key, the key of a record of this event alone
     * @param value the event's JSON
     * @param acked completes when the record holding it is acknowledged, or exceptionally when it failed
     */
    record Pending(String key, byte[] value, CompletableFuture<Void> acked) {
    }

    private final Producer<String, byte[]> producer;
    private final String topic;
    private final int partition;
    private final long maxBlockMillis;
    private final Counter records;
    /** Guarded by this. */
    private final ArrayDeque<Pending> queued = new ArrayDeque<>();
    /** Guarded by this. */
    private long queuedBytes;
    /** Guarded by this. */
    private boolean inFlight;

    PartitionLane(Producer<String, byte[]> producer, String topic, int partition, long maxBlockMillis,
                  Counter records) {
        this.producer = producer;
        this.topic = topic;
        this.partition = partition;
        this.maxBlockMillis = maxBlockMillis;
        this.records = records;
    }

    /**
     * Sends the event now when nothing is in flight, else queues it for the next record; blocks while
     * {@value #MAX_QUEUED_BYTES} bytes wait, and fails the event's {@code acked} when that lasts past
     * {@code max.block.ms}.
     */
    void publish(Pending pending) {
        List<Pending> batch;
        synchronized (this) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxBlockMillis);
            while (inFlight && queuedBytes >= MAX_QUEUED_BYTES) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    pending.acked().completeExceptionally(new TimeoutException("the tokens topic's partition "
                            + partition + " did not take " + MAX_QUEUED_BYTES + " bytes of events within "
                            + maxBlockMillis + " ms"));
                    return;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    pending.acked().completeExceptionally(new KafkaException("interrupted while the tokens topic's "
                            + "partition " + partition + " was full", e));
                    return;
                }
            }
            queued.add(pending);
            queuedBytes += pending.value().length;
            if (inFlight) {
                return;
            }
            inFlight = true;
            batch = take();
        }
        send(batch);
    }

    /** Takes the next record's events from the queue, at most {@value #MAX_RECORD_BYTES} bytes. Holds the lock. */
    private List<Pending> take() {
        List<Pending> batch = new ArrayList<>();
        long bytes = 0;
        while (!queued.isEmpty() && (batch.isEmpty() || bytes + queued.peek().value().length <= MAX_RECORD_BYTES)) {
            Pending next = queued.poll();
            bytes += next.value().length;
            batch.add(next);
        }
        queuedBytes -= bytes;
        notifyAll();
        return batch;
    }

    /** @return the next record's events, or null when none wait (then nothing is in flight any more) */
    private synchronized List<Pending> next() {
        if (queued.isEmpty()) {
            inFlight = false;
            return null;
        }
        return take();
    }

    private void send(List<Pending> first) {
        List<Pending> batch = first;
        while (batch != null) {
            List<Pending> sent = batch;
            ProducerRecord<String, byte[]> record;
            if (sent.size() == 1) {
                record = new ProducerRecord<>(topic, partition, sent.get(0).key(), sent.get(0).value());
            } else {
                List<byte[]> values = new ArrayList<>(sent.size());
                sent.forEach(p -> values.add(p.value()));
                record = new ProducerRecord<>(topic, partition, null, TokenEventRecords.batch(values));
            }
            try {
                producer.send(record, (metadata, failure) -> {
                    complete(sent, failure);
                    List<Pending> following = next();
                    if (following != null) {
                        send(following);
                    }
                });
                records.increment();
                return;
            } catch (KafkaException e) {
                complete(sent, e);
                batch = next();
            }
        }
    }

    private static void complete(List<Pending> batch, Exception failure) {
        for (Pending pending : batch) {
            if (failure == null) {
                pending.acked().complete(null);
            } else {
                pending.acked().completeExceptionally(failure);
            }
        }
    }
}
