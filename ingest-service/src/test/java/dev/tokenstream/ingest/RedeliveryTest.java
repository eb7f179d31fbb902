package dev.tokenstream.ingest;

import dev.tokenstream.events.ChatMessage;
import dev.tokenstream.events.GenerationParams;
import dev.tokenstream.events.StreamRequest;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.StreamStats;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.TokenEventKind;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.JsonSerde;
import dev.tokenstream.testsupport.KafkaTestResource;
import dev.tokenstream.testsupport.MetricsScrape;
import dev.tokenstream.testsupport.ProcessorQueriesServer;
import dev.tokenstream.testsupport.TopicProbe;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Requests taken again after a crash: three requests are in the topic before ingest starts (as after a crash before
 * their offsets were committed), and the processor (a stand-in speaking its query API) knows one as completed, one
 * as started with tokens delivered and none coming, and one whose tokens keep coming (another ingest instance still
 * generates it: its partition moved in a rebalance) until it completes. Only the unknown one may call the provider;
 * only the silent one ends {@code interrupted}.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RecordedProviderResource.class)
@QuarkusTestResource(value = RedeliveryTest.EarlierRuns.class, restrictToAnnotatedClass = true)
class RedeliveryTest {

    static final String ENDED = "ended-" + UUID.randomUUID();
    static final String DELIVERED = "delivered-" + UUID.randomUUID();
    static final String UNKNOWN = "unknown-" + UUID.randomUUID();
    static final String RUNNING = "running-" + UUID.randomUUID();

    @TestHTTPResource(value = "/metrics", management = true) // under the management root, /q
    URI metrics;

    /** Writes the three requests before ingest starts, and what the processor knows of the first two. */
    public static class EarlierRuns extends ProcessorQueriesServer {

        @Override
        public Map<String, String> start() {
            Map<String, String> config = super.start();
            holds(stats(ENDED, StreamState.COMPLETED, 12));
            holds(stats(DELIVERED, StreamState.STARTED, 5));
            holds(stats(RUNNING, StreamState.STARTED, 5));
            // Another instance generates it: a token every 300 ms for 4 s, then it completes.
            var generation = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "running-elsewhere");
                thread.setDaemon(true);
                return thread;
            });
            var tokens = new AtomicLong(5);
            generation.scheduleAtFixedRate(() -> holds(tokens.get() < 18
                    ? stats(RUNNING, StreamState.STARTED, tokens.incrementAndGet())
                    : stats(RUNNING, StreamState.COMPLETED, tokens.get())), 300, 300, TimeUnit.MILLISECONDS);
            List.of(ENDED, DELIVERED, UNKNOWN, RUNNING).forEach(id -> TopicProbe.send(Topics.REQUESTS, id,
                    new StreamRequest(id, "recorded", "model-" + id.substring(0, id.indexOf('-')),
                            List.of(ChatMessage.user("What's the weather in San Francisco?")),
                            GenerationParams.DEFAULTS, 42L), JsonSerde.of(StreamRequest.class)));
            return config;
        }

        @Override
        public int order() {
            return 10; // after the broker's resource
        }

        private static StreamStats stats(String id, StreamState state, long tokens) {
            return new StreamStats(id, state, "recorded", "gpt-4o", 1L, 10.0, 5.0, 1.0, 2.0, 3.0, 50.0, tokens,
                    null, 300.0, 0, null, null, 2L);
        }
    }

    @Test
    void shouldCallTheProviderOnlyForAStreamNoEarlierRunDelivered() {
        List<TokenEvent> unknown = IngestStreams.eventsUntilEnd(UNKNOWN);
        assertThat(IngestStreams.last(unknown).kind()).isEqualTo(TokenEventKind.COMPLETED);
        assertThat(RecordedProviderResource.server.lastRequest("model-unknown")).isNotNull();

        List<TokenEvent> delivered = IngestStreams.eventsUntilEnd(DELIVERED);
        assertThat(delivered).hasSize(1);
        assertThat(delivered.get(0).kind()).isEqualTo(TokenEventKind.FAILED);
        assertThat(delivered.get(0).error().code()).isEqualTo("interrupted");
        assertThat(delivered.get(0).attempt()).isNotNull();
        assertThat(RecordedProviderResource.server.lastRequest("model-delivered")).as("no provider call").isNull();

        // The stream still generated elsewhere is waited for, not interrupted: it ends, and nothing is written.
        await().atMost(Duration.ofSeconds(20)).until(() -> MetricsScrape.of(metrics)
                .sum("tokenstream_ingest_requests_taken_again_total", Map.of("earlier", "ended")) == 2);
        assertThat(RecordedProviderResource.server.lastRequest("model-running")).as("no provider call").isNull();
        assertThat(TopicProbe.tokenEventsUntil(RUNNING, list -> false, Duration.ofSeconds(1)))
                .as("no event for the stream generated elsewhere").isEmpty();
        assertThat(RecordedProviderResource.server.lastRequest("model-ended")).as("no provider call").isNull();
        assertThat(TopicProbe.tokenEventsUntil(UNKNOWN, list -> !list.isEmpty(), Duration.ofSeconds(10)))
                .as("the unknown stream's events").isNotEmpty();
        assertThat(TopicProbe.tokenEventsUntil(ENDED, list -> false, Duration.ofSeconds(1)))
                .as("no event for the ended stream").isEmpty();
    }
}
