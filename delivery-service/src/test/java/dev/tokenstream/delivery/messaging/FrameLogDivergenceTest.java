package dev.tokenstream.delivery.messaging;

import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.serde.Json;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Frames the processor produced again after a crash: the same content under the same seq is a duplicate and
 * dropped; other content under a seq the client may already have ends the stream as data_loss, never a splice.
 */
class FrameLogDivergenceTest {

    private final Timer lag = Timer.builder("lag").register(new SimpleMeterRegistry());
    private final Backpressure backpressure = new Backpressure(64, 256, 5000);

    @Test
    void shouldDropAFrameThatComesAgainWithTheSameContent() throws IOException {
        var log = new FrameLog("s");
        var client = new FrameLogBackfillTest.RecordingSink();
        log.subscribe(-1, client, backpressure, lag);

        log.append(token(0, "Hel"));
        log.append(token(1, "lo"));
        assertThat(log.append(token(1, "lo"))).isFalse();
        log.append(token(2, "!"));

        assertThat(client.seqs).containsExactly(0L, 1L, 2L);
        assertThat(client.ended).isFalse();
    }

    @Test
    void shouldEndTheStreamAsDataLossWhenASeqComesAgainWithOtherContent() throws IOException {
        var log = new FrameLog("s");
        var client = new FrameLogBackfillTest.RecordingSink();
        log.subscribe(-1, client, backpressure, lag);
        log.append(token(0, "Hel"));
        log.append(token(1, "lo"));
        log.append(token(2, " wor"));

        assertThat(log.append(token(1, "lo wor"))).as("diverged").isTrue();
        log.append(token(2, "ld"));
        log.append(token(3, "ld"));

        assertThat(client.seqs).containsExactly(0L, 1L, 2L, 3L);
        assertThat(client.ended).isTrue();
        DeliveryFrame last = Json.MAPPER.readValue(client.frames.get(3), DeliveryFrame.class);
        assertThat(last.type()).isEqualTo(FrameType.FAILED);
        assertThat(last.error().code()).isEqualTo("data_loss");
        assertThat(last.error().retryable()).isTrue();
    }

    private static Frame token(long seq, String text) throws IOException {
        return Frame.parse(Json.write(DeliveryFrame.token("s", seq, text, 1))).orElseThrow().frame();
    }
}
