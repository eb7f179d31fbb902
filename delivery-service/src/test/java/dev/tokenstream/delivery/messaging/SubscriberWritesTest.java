package dev.tokenstream.delivery.messaging;

import dev.tokenstream.events.FrameType;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A subscriber's writes: at most {@code maxWritesInFlight} under way, in the log's order whichever threads append
 * frames and complete writes, and a client that stops reading is closed once too far behind.
 */
class SubscriberWritesTest {

    private final Timer lag = Timer.builder("lag").register(new SimpleMeterRegistry());

    @Test
    void shouldHandTheConnectionAtMostTheWindowAndTheNextFrameAsEachWriteCompletes() {
        FrameLog log = new FrameLog("s1");
        var client = new HeldSink();
        log.subscribe(-1, client, new Backpressure(64, 256, 5000, 3), lag);
        frames(0, 10).forEach(log::append);

        assertThat(client.seqs).containsExactly(0L, 1L, 2L);

        client.complete(1);
        assertThat(client.seqs).containsExactly(0L, 1L, 2L, 3L);

        client.complete(2);
        assertThat(client.seqs).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
    }

    @Test
    void shouldWriteEveryFrameOnceInOrderWhileFramesAndCompletionsComeFromManyThreads() throws Exception {
        FrameLog log = new FrameLog("s1");
        var client = new HeldSink();
        log.subscribe(-1, client, new Backpressure(Integer.MAX_VALUE, 1, 100_000, 4), lag);
        int frames = 20_000;
        ExecutorService threads = Executors.newFixedThreadPool(4);
        var appended = new CountDownLatch(1);
        threads.execute(() -> {
            frames(0, frames - 1).forEach(log::append);
            log.append(new Frame(frames - 1, FrameType.COMPLETED, "{}", null, 1, 0));
            appended.countDown();
        });
        for (int i = 0; i < 3; i++) {
            threads.execute(() -> {
                while (!client.ended) {
                    client.complete(1);
                }
            });
        }
        assertThat(appended.await(30, TimeUnit.SECONDS)).isTrue();
        threads.shutdown();
        assertThat(threads.awaitTermination(30, TimeUnit.SECONDS)).as("the last write completed").isTrue();

        assertThat(client.seqs).containsExactlyElementsOf(LongStream.range(0, frames).boxed().toList());
        assertThat(client.mostInFlight).as("writes under way at once").hasValueBetween(1, 4);
    }

    @Test
    void shouldCloseAClientThatStopsReadingOnceTooFarBehindAndTellItWhereToResume() {
        FrameLog log = new FrameLog("s1");
        var client = new HeldSink();
        log.subscribe(-1, client, new Backpressure(Integer.MAX_VALUE, 1, 20, 4), lag);

        frames(0, 30).forEach(log::append);

        assertThat(client.seqs).containsExactly(0L, 1L, 2L, 3L);
        assertThat(client.resumeAfter).as("closed after its last frame handed over").isEqualTo(3L);
        client.complete(4);
        assertThat(client.seqs).as("nothing after the close").hasSize(4);
    }

    private static List<Frame> frames(long from, long to) {
        return LongStream.range(from, to).mapToObj(seq -> {
            FrameType type = seq == 0 ? FrameType.STARTED : FrameType.TOKEN;
            return new Frame(seq, type, "{\"seq\":" + seq + "}", type == FrameType.TOKEN ? "t" + seq : null, 1, 0);
        }).toList();
    }

    /** A connection whose writes complete when the test says, oldest first. */
    static final class HeldSink implements FrameSink {
        final List<Long> seqs = new CopyOnWriteArrayList<>();
        final ConcurrentLinkedQueue<UniEmitter<? super Void>> writes = new ConcurrentLinkedQueue<>();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger mostInFlight = new AtomicInteger();
        volatile boolean ended;
        volatile Long resumeAfter;

        @Override
        public Uni<Void> send(Frame frame) {
            seqs.add(frame.seq());
            mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            return Uni.createFrom().<Void>emitter(writes::add);
        }

        /** Completes up to {@code count} of the oldest writes under way. */
        void complete(int count) {
            List<UniEmitter<? super Void>> done = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                UniEmitter<? super Void> write = writes.poll();
                if (write == null) {
                    break;
                }
                done.add(write);
            }
            done.forEach(write -> {
            inFlight.decrementAndGet();
            write.complete(null);
        });
        }

        @Override
        public void end() {
            ended = true;
        }

        @Override
        public void tooFarBehind(long lastSeq) {
            resumeAfter = lastSeq;
        }
    }
}
