package dev.tokenstream.ingest.provider;

import dev.tokenstream.events.KafkaConnection;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.TokenEventKind;
import dev.tokenstream.ingest.messaging.TokenPublisher;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * A publisher that throws instead of failing its answer (the per-stream layout's topic could not be created): the
 * send counts as refused, nothing stays in flight, and the terminal event is still handed over and acknowledged
 * at once, where it used to queue behind the raised in-flight count until the acknowledgement's 30 s timeout.
 */
class StreamPublicationRefusedTest {

    @Test
    void shouldTreatAPublisherThatThrowsAsARefusedSendAndNeverWaitForItsAcknowledgement() {
        var handed = new CopyOnWriteArrayList<TokenEvent>();
        var failure = new IllegalStateException("cannot create topic tokenstream.s.x.tokens: broker unreachable");
        // No broker is contacted: the producer is created but this publisher never sends through it.
        var publisher = new TokenPublisher(KafkaConnection.plain("localhost:1"), null, new SimpleMeterRegistry()) {
            @Override
            public CompletionStage<Void> publish(TokenEvent event) {
                handed.add(event);
                if (event.kind() == TokenEventKind.STARTED) {
                    throw failure;
                }
                return CompletableFuture.completedFuture(null);
            }
        };
        String id = "refused-stream";
        var stream = new StreamPublication(id, publisher, 1);

        stream.publish(seq -> TokenEvent.started(id, seq, "simulator", "sim-fast", 1, 2, 3));
        stream.publish(seq -> TokenEvent.token(id, seq, "dropped", 4));
        stream.publish(seq -> TokenEvent.completed(id, seq, "stop", null, 5));

        assertThat(stream.refused()).isSameAs(failure);
        assertThat(handed).extracting(TokenEvent::kind).as("after the refusal only the terminal event goes out")
                .containsExactly(TokenEventKind.STARTED, TokenEventKind.COMPLETED);
        assertThat(stream.ended()).isTrue();
        assertTimeoutPreemptively(Duration.ofSeconds(5), stream::awaitLastAck);
        assertThat(List.copyOf(handed)).extracting(TokenEvent::seq).containsExactly(0L, 1L);
    }
}
