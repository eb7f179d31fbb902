package dev.tokenstream.ingest;

import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.TokenEventKind;
import dev.tokenstream.ingest.listener.IngestDrain;
import dev.tokenstream.testsupport.KafkaTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The drain on shutdown, against a real broker and a real paced provider: a stream still running when the drain
 * time is over ends as interrupted, and a request taken afterwards is not started (its offset stays uncommitted for
 * another instance). An application of its own (a test profile), since a drained instance takes no more streams.
 */
@QuarkusTest
@TestProfile(DrainTest.Draining.class)
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RecordedProviderResource.class)
class DrainTest {

    @Inject
    IngestDrain drain;

    @Test
    void shouldInterruptWhatRunsPastTheDrainTimeAndStartNothingAfter() throws Exception {
        RecordedProviderResource.server.serve("openai-chat-text.sse", 200);
        String running = IngestStreams.request("recorded", "gpt-4o");
        IngestStreams.eventsUntil(running, e -> e.kind() == TokenEventKind.TOKEN);

        drain.drain(Duration.ofMillis(300));

        List<TokenEvent> events = IngestStreams.eventsUntilEnd(running);
        TokenEvent last = events.get(events.size() - 1);
        assertThat(last.kind()).isEqualTo(TokenEventKind.FAILED);
        assertThat(last.error().code()).isEqualTo("interrupted");
        assertThat(last.error().retryable()).isTrue();

        int requestsBefore = RecordedProviderResource.server.requests();
        IngestStreams.request("recorded", "gpt-4o");
        // A started stream would call the provider at once: the provider sees no request for two seconds.
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
                .until(() -> RecordedProviderResource.server.requests() == requestsBefore);
        assertThat(drain.draining()).isTrue();
    }

    /** A profile of its own: this class gets an application of its own. */
    public static class Draining implements QuarkusTestProfile {
    }
}
