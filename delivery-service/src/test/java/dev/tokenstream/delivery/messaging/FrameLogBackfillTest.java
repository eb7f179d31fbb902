package dev.tokenstream.delivery.messaging;

import dev.tokenstream.events.FrameType;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A stream only partly in memory (it started before the replay window): a client from its start waits for the
 * read-back of the older frames and never gets the frames after the hole first.
 */
class FrameLogBackfillTest {

    private final Timer lag = Timer.builder("lag").register(new SimpleMeterRegistry());
    private final Backpressure backpressure = new Backpressure(64, 256, 5000);

    @Test
    void shouldWaitForTheReadBackInsteadOfSkippingTheFramesInFrontOfTheClient() {
        FrameLog log = partlyInMemory();
        var client = new RecordingSink();

        assertThat(log.needsBackfill(-1, false)).isTrue();
        log.subscribe(-1, client, backpressure, lag);
        assertThat(client.seqs).as("nothing before the older frames are back").isEmpty();

        log.backfill(frames(0, 5));

        assertThat(client.seqs).containsExactlyElementsOf(LongStream.range(0, 8).boxed().toList());
        assertThat(client.ended).isTrue();
    }

    @Test
    void shouldSendWhatMemoryHoldsWhenKafkaHasNothingOlder() {
        FrameLog log = partlyInMemory();
        var client = new RecordingSink();
        assertThat(log.needsBackfill(-1, false)).isTrue();
        log.subscribe(-1, client, backpressure, lag);

        log.backfill(List.of());

        assertThat(client.seqs).containsExactly(5L, 6L, 7L);
    }

    @Test
    void shouldTellTheClientToReconnectWhenTheReadBackFailsAndAskAgainThen() {
        FrameLog log = partlyInMemory();
        var client = new RecordingSink();
        assertThat(log.needsBackfill(-1, false)).isTrue();
        log.subscribe(-1, client, backpressure, lag);

        log.backfillFailed();

        assertThat(client.seqs).isEmpty();
        assertThat(client.resumeAfter).isEqualTo(-1);
        assertThat(log.needsBackfill(-1, false)).as("the reconnect reads back again").isTrue();
    }

    /** Frames 5 to 7 (7 completed) in memory: 0 to 4 came before the replay window. */
    private static FrameLog partlyInMemory() {
        FrameLog log = new FrameLog("s1");
        frames(5, 8).forEach(log::append);
        return log;
    }

    private static List<Frame> frames(long from, long to) {
        return LongStream.range(from, to).mapToObj(seq -> {
            FrameType type = seq == 0 ? FrameType.STARTED : seq == 7 ? FrameType.COMPLETED : FrameType.TOKEN;
            return new Frame(seq, type, "{\"type\":\"" + type.wireName() + "\",\"seq\":" + seq + "}",
                    type == FrameType.TOKEN ? "t" + seq : null, 1, 0);
        }).toList();
    }

    /** A connection that writes at once and keeps what it was sent. */
    /** A client that takes every frame at once. */
    static final class RecordingSink implements FrameSink {
        final List<Long> seqs = new CopyOnWriteArrayList<>();
        final List<String> frames = new CopyOnWriteArrayList<>();
        volatile boolean ended;
        volatile Long resumeAfter;

        @Override
        public Uni<Void> send(Frame frame) {
            seqs.add(frame.seq());
            frames.add(frame.json());
            return Uni.createFrom().voidItem();
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
