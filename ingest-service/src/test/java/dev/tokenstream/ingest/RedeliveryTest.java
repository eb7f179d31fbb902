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
import dev.tokenstream.testsupport.RecordedSseServer;
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
 * Requests taken again after a crash: six requests are in the topic before ingest starts (as after a crash before
 * their offsets were committed), and the processor (a stand-in speaking its query API) knows one as completed, two
 * as started with tokens delivered and none coming, and one whose tokens keep coming (another ingest instance still
 * generates it: its partition moved in a rebalance) until it completes. Only the unknown one may call the provider
 * afresh; of the silent ones, the one of a provider set to {@code fail} ends {@code interrupted}, and the one of an
 * Anthropic provider ({@code continue} by default) goes on: its earlier attempt's events are in the tokens topic,
 * and the provider (a recorded Anthropic stream) is asked to continue that answer as the assistant's prefill; a
 * sixth, whose provider refuses the prefill (400), ends {@code interrupted} in Tokenstream's words.
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
    static final String CONTINUED = "continued-" + UUID.randomUUID();
    static final String REFUSED = "refused-" + UUID.randomUUID();
    /** What the lost instance delivered of CONTINUED: it ends in a space, which Anthropic refuses in a prefill. */
    static final String SO_FAR = "Kafka in one line: ";

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
            holds(stats(CONTINUED, StreamState.STARTED, 2));
            holds(stats(REFUSED, StreamState.STARTED, 1));
            // The lost instance's attempt (1) at CONTINUED: started, then two tokens; at REFUSED, one token, and the
            // provider answers the continuation 400.
            var events = JsonSerde.of(TokenEvent.class);
            TopicProbe.send(Topics.TOKENS, REFUSED, TokenEvent.started(REFUSED, 0, "recorded-anthropic",
                    "anthropic-refuses", 42L, 50L, 60L).withAttempt(1), events);
            TopicProbe.send(Topics.TOKENS, REFUSED, TokenEvent.token(REFUSED, 1, "Hello", 70L).withAttempt(1), events);
            RecordedProviderResource.server.enqueue("anthropic-refuses", RecordedSseServer.Answer.status(400,
                    "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"no prefill "
                    + "for this model: Hello\"}}", Map.of()));
            TopicProbe.send(Topics.REQUESTS, REFUSED, new StreamRequest(REFUSED, "recorded-anthropic",
                    "anthropic-refuses", List.of(ChatMessage.user("Say hello")), GenerationParams.DEFAULTS, 42L),
                    JsonSerde.of(StreamRequest.class));
            TopicProbe.send(Topics.TOKENS, CONTINUED, TokenEvent.started(CONTINUED, 0, "recorded-anthropic",
                    "anthropic-text", 42L, 50L, 60L).withAttempt(1), events);
            TopicProbe.send(Topics.TOKENS, CONTINUED, TokenEvent.token(CONTINUED, 1, "Kafka in", 70L).withAttempt(1),
                    events);
            TopicProbe.send(Topics.TOKENS, CONTINUED, TokenEvent.token(CONTINUED, 2, " one line: ", 80L)
                    .withAttempt(1), events);
            TopicProbe.send(Topics.REQUESTS, CONTINUED, new StreamRequest(CONTINUED, "recorded-anthropic",
                    "anthropic-text", List.of(ChatMessage.user("Kafka in one line?")), GenerationParams.DEFAULTS,
                    42L), JsonSerde.of(StreamRequest.class));
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

    @Test
    void shouldContinueTheAnswerSoFarWithAProviderThatTakesAPrefill() {
        List<TokenEvent> continued = IngestStreams.eventsUntilEnd(CONTINUED).stream()
                .filter(event -> event.attempt() != 1L).toList();

        // The processor takes the new attempt as a continuation because its first seq follows the lost one's last.
        assertThat(continued.get(0).kind()).isEqualTo(TokenEventKind.STARTED);
        assertThat(continued).extracting(TokenEvent::seq).startsWith(3L);
        assertThat(SO_FAR + IngestStreams.text(IngestStreams.tokens(continued), TokenEventKind.TOKEN))
                .as("one answer: the whitespace the prefill went without is not sent twice")
                .isEqualTo("Kafka in one line: Partitions keep order per key.");
        TokenEvent end = IngestStreams.last(continued);
        assertThat(end.kind()).isEqualTo(TokenEventKind.COMPLETED);
        // Both calls: the recorded one reported 25 in, 7 out; the lost one delivered 2 tokens.
        assertThat(end.usage().outputTokens()).isEqualTo(2 + 7);
        assertThat(end.usage().inputTokens()).isEqualTo(25 + 23);

        // A provider that refuses to continue: the stream ends as it would have without trying, in our words only.
        List<TokenEvent> refused = IngestStreams.eventsUntilEnd(REFUSED).stream()
                .filter(event -> event.attempt() != 1L).toList();
        assertThat(refused).extracting(TokenEvent::kind).containsExactly(TokenEventKind.STARTED,
                TokenEventKind.FAILED);
        assertThat(refused.get(0).seq()).isEqualTo(2);
        assertThat(refused.get(1).error().code()).isEqualTo("interrupted");
        assertThat(refused.get(1).error().message()).contains("did not continue").doesNotContain("no prefill");

        var messages = RecordedProviderResource.server.lastRequest("anthropic-text").path("messages");
        var prefill = messages.get(messages.size() - 1);
        assertThat(prefill.path("role").asText()).isEqualTo("assistant");
        assertThat(prefill.path("content").isArray() ? prefill.path("content").get(0).path("text").asText()
                : prefill.path("content").asText()).as("the answer so far, without its trailing space")
                .isEqualTo("Kafka in one line:");
    }
}
