package dev.tokenstream.ingest;

import dev.tokenstream.events.ControlAction;
import dev.tokenstream.events.ChatMessage;
import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.GenerationParams;
import dev.tokenstream.events.Merge;
import dev.tokenstream.events.MergeMode;
import dev.tokenstream.events.StreamRequest;
import dev.tokenstream.events.Target;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.TokenEventKind;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.JsonSerde;
import dev.tokenstream.testsupport.KafkaTestResource;
import dev.tokenstream.testsupport.MetricsScrape;
import dev.tokenstream.testsupport.RecordedSseServer;
import dev.tokenstream.testsupport.RecordedSseServer.Answer;
import dev.tokenstream.testsupport.TopicProbe;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.tokenstream.ingest.IngestStreams.eventsUntil;
import static dev.tokenstream.ingest.IngestStreams.eventsUntilEnd;
import static dev.tokenstream.ingest.IngestStreams.last;
import static dev.tokenstream.ingest.IngestStreams.request;
import static dev.tokenstream.ingest.IngestStreams.text;
import static dev.tokenstream.ingest.IngestStreams.tokens;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The failure policy against a real HTTP server that answers with the failures real APIs have: error statuses
 * with {@code Retry-After}, stalls before and after the first token, dropped connections. The providers of
 * {@link RecordedProviderResource} allow 3 attempts, a 1 s first-token and idle timeout, and backoffs from 20 ms.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RecordedProviderResource.class)
class FailurePolicyTest {

    private static final String TEXT = "I'm unable to provide real-time weather updates. To get the current"
            + " weather in San Francisco, I recommend checking a reliable weather website or a weather app.";
    private static final String OPENAI_429 = "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\","
            + "\"param\":null,\"code\":\"rate_limit_exceeded\"}}";
    private static final String OPENAI_500 = "{\"error\":{\"message\":\"The server had an error\","
            + "\"type\":\"server_error\",\"param\":null,\"code\":null}}";
    private static final String ANTHROPIC_529 = "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
            + "\"message\":\"Overloaded\"},\"request_id\":\"req_1\"}";

    private final RecordedSseServer server = RecordedProviderResource.server;

    @TestHTTPResource(value = "/metrics", management = true) // under the management root, /q
    URI metrics;

    @Test
    void shouldMeasureEachAttemptInTheGenAiClientMetricsTaggedWithItsError() {
        server.enqueue("metrics-429", Answer.status(429, OPENAI_429, Map.of("retry-after", "0")));

        List<TokenEvent> events = eventsUntilEnd(request("recorded", "metrics-429"));
        assertThat(last(events).kind()).isEqualTo(TokenEventKind.COMPLETED);
        long chunks = tokens(events).size();

        MetricsScrape scrape = MetricsScrape.of(metrics);
        var call = Map.of("gen_ai_operation_name", "chat", "gen_ai_provider_name", "recorded",
                "gen_ai_request_model", "metrics-429");
        assertThat(scrape.sum("gen_ai_client_operation_duration_seconds_count",
                with(call, "error_type", "rate_limited"))).isEqualTo(1);
        assertThat(scrape.sum("gen_ai_client_operation_duration_seconds_count", with(call, "error_type", "_none")))
                .isEqualTo(1);
        assertThat(scrape.sum("gen_ai_client_operation_time_to_first_chunk_seconds_count", call)).isEqualTo(1);
        assertThat(scrape.sum("gen_ai_client_operation_time_per_output_chunk_seconds_count", call))
                .isEqualTo(chunks - 1);
        assertThat(scrape.sum("gen_ai_client_token_usage_sum", with(call, "gen_ai_token_type", "output")))
                .isPositive();
        assertThat(scrape.has("tokenstream_ingest_upstream_active")).isTrue();
    }

    private static Map<String, String> with(Map<String, String> labels, String name, String value) {
        var more = new java.util.HashMap<>(labels);
        more.put(name, value);
        return more;
    }

    @Test
    void shouldRetryA429AfterItsRetryAfterAndComplete() {
        server.enqueue("retry-429", Answer.status(429, OPENAI_429, Map.of("retry-after", "1")));
        int before = server.requests();

        List<TokenEvent> events = eventsUntilEnd(request("recorded", "retry-429"));

        assertThat(last(events).kind()).isEqualTo(TokenEventKind.COMPLETED);
        assertThat(text(events, TokenEventKind.TOKEN)).isEqualTo(TEXT);
        assertThat(server.requests() - before).isEqualTo(2);
        long firstToken = events.stream().filter(e -> e.kind() == TokenEventKind.TOKEN).findFirst().orElseThrow()
                .emittedAtMicros();
        assertThat(firstToken - events.get(0).emittedAtMicros()).as("waited Retry-After: 1 s")
                .isGreaterThanOrEqualTo(950_000);
    }

    @Test
    void shouldRetryAnthropic529OverloadedTwiceAndComplete() {
        server.enqueue("anthropic-text", Answer.status(529, ANTHROPIC_529, Map.of()))
                .enqueue("anthropic-text", Answer.status(529, ANTHROPIC_529, Map.of()));
        int before = server.requests();

        List<TokenEvent> events = eventsUntilEnd(request("recorded-anthropic", "anthropic-text"));

        assertThat(last(events).kind()).isEqualTo(TokenEventKind.COMPLETED);
        assertThat(text(events, TokenEventKind.TOKEN)).isEqualTo("Partitions keep order per key.");
        assertThat(server.requests() - before).isEqualTo(3);
    }

    @Test
    void shouldFailAsUpstreamErrorWhenEveryAttemptGets500() {
        for (int i = 0; i < 3; i++) {
            server.enqueue("always-500", Answer.status(500, OPENAI_500, Map.of()));
        }
        int before = server.requests();

        TokenEvent failed = last(eventsUntilEnd(request("recorded", "always-500")));

        assertThat(failed.kind()).isEqualTo(TokenEventKind.FAILED);
        assertThat(failed.error().code()).isEqualTo("upstream_error");
        assertThat(failed.error().retryable()).isTrue();
        assertThat(failed.error().providerCode()).isEqualTo("server_error");
        assertThat(server.requests() - before).isEqualTo(3);
    }

    @Test
    void shouldNotRetryAnAuthFailure() {
        server.enqueue("bad-key", Answer.status(401, "{\"error\":{\"message\":\"Incorrect API key provided\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}", Map.of()));
        int before = server.requests();

        TokenEvent failed = last(eventsUntilEnd(request("recorded", "bad-key")));

        assertThat(failed.error().code()).isEqualTo("auth");
        assertThat(failed.error().retryable()).isFalse();
        assertThat(failed.error().providerCode()).isEqualTo("invalid_api_key");
        assertThat(server.requests() - before).isEqualTo(1);
    }

    @Test
    void shouldFailAtOnceWhenRetryAfterIsLongerThanTheLongestBackoff() {
        server.enqueue("long-429", Answer.status(429, OPENAI_429, Map.of("retry-after", "30")));
        int before = server.requests();

        TokenEvent failed = last(eventsUntilEnd(request("recorded", "long-429")));

        assertThat(failed.error().code()).isEqualTo("rate_limited");
        assertThat(failed.error().retryable()).isTrue();
        assertThat(server.requests() - before).isEqualTo(1);
    }

    @Test
    void shouldRetryAStreamThatStallsBeforeItsFirstToken() {
        server.enqueue("stall-first", Answer.stall(1, 5_000));
        int before = server.requests();

        List<TokenEvent> events = eventsUntilEnd(request("recorded", "stall-first"));

        assertThat(last(events).kind()).isEqualTo(TokenEventKind.COMPLETED);
        assertThat(text(events, TokenEventKind.TOKEN)).isEqualTo(TEXT);
        assertThat(server.requests() - before).isEqualTo(2);
    }

    @Test
    void shouldFailAStreamThatStallsAfterTokensAsATimeout() {
        server.enqueue("stall-later", Answer.stall(6, 5_000));

        List<TokenEvent> events = eventsUntilEnd(request("recorded", "stall-later"));

        TokenEvent failed = last(events);
        assertThat(failed.kind()).isEqualTo(TokenEventKind.FAILED);
        assertThat(failed.error().code()).isEqualTo("timeout");
        assertThat(failed.error().retryable()).isTrue();
        assertThat(failed.error().message()).contains("1000 ms");
        assertThat(tokens(events)).hasSize(5);
    }

    @Test
    void shouldRetryAConnectionDroppedBeforeTheFirstToken() {
        server.enqueue("drop-first", Answer.drop(1));

        List<TokenEvent> events = eventsUntilEnd(request("recorded", "drop-first"));

        assertThat(last(events).kind()).isEqualTo(TokenEventKind.COMPLETED);
        assertThat(text(events, TokenEventKind.TOKEN)).isEqualTo(TEXT);
    }

    @Test
    void shouldFailAConnectionDroppedAfterTokens() {
        server.enqueue("drop-later", Answer.drop(8));

        List<TokenEvent> events = eventsUntilEnd(request("recorded", "drop-later"));

        TokenEvent failed = last(events);
        assertThat(failed.error().code()).isEqualTo("upstream_error");
        assertThat(failed.error().retryable()).isTrue();
        assertThat(tokens(events)).hasSize(7);
    }

    @Test
    void shouldRunOneStreamAtATimeOnAProviderLimitedToOne() {
        String first = request("recorded-serial", "serial-1");
        String second = request("recorded-serial", "serial-2");

        List<TokenEvent> a = eventsUntilEnd(first);
        List<TokenEvent> b = eventsUntilEnd(second);

        assertThat(last(a).kind()).isEqualTo(TokenEventKind.COMPLETED);
        assertThat(last(b).kind()).isEqualTo(TokenEventKind.COMPLETED);
        List<TokenEvent> earlier = last(a).emittedAtMicros() < last(b).emittedAtMicros() ? a : b;
        List<TokenEvent> later = earlier == a ? b : a;
        long laterFirstToken = later.stream().filter(e -> e.kind() == TokenEventKind.TOKEN).findFirst().orElseThrow()
                .emittedAtMicros();
        assertThat(laterFirstToken).as("the second stream starts after the first ended")
                .isGreaterThanOrEqualTo(last(earlier).emittedAtMicros());
    }

    @Test
    void shouldRefuseAModelTheProviderDoesNotOffer() {
        TokenEvent failed = last(eventsUntilEnd(request("recorded-limited", "gpt-5-turbo-max")));

        assertThat(failed.error().code()).isEqualTo("invalid_request");
        assertThat(failed.error().message()).contains("gpt-5-turbo-max").contains("[gpt-4o, gpt-4o-mini]");
    }

    @Test
    void shouldCloseAStalledUpstreamConnectionOnCancelWithoutWaitingForTheProvider() {
        server.enqueue("cancel-stalled", Answer.stall(4, 10_000));
        String id = request("recorded", "cancel-stalled");
        eventsUntil(id, e -> e.kind() == TokenEventKind.TOKEN && e.singles().stream()
                .anyMatch(single -> "I'm".equals(single.text())));
        await().atMost(Duration.ofSeconds(5)).until(() -> server.openStreams() == 1);

        long sent = System.nanoTime();
        TopicProbe.send(Topics.CONTROL, id, new ControlCommand("c-stalled", id, ControlAction.CANCEL, 1L),
                JsonSerde.of(ControlCommand.class));
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(2)).until(() -> server.openStreams() == 0);
        System.out.printf("cancel command sent -> provider connection closed: %.1f ms (through the broker)%n",
                (System.nanoTime() - sent) / 1e6);

        TokenEvent cancelled = last(eventsUntilEnd(id));
        assertThat(cancelled.kind()).isEqualTo(TokenEventKind.CANCELLED);
        assertThat(cancelled.usage().outputTokens()).isEqualTo(3);
    }

    @Test
    void shouldKeyAMergeGroupsMembersByTheGroupAndCancelThemAllWithTheGroup() {
        String group = "group-" + java.util.UUID.randomUUID();
        var targets = List.of(new Target("recorded", "group-a"), new Target("recorded", "group-b"));
        for (int i = 0; i < 2; i++) {
            server.enqueue(targets.get(i).model(), Answer.stall(2, 10_000));
            String member = Merge.memberId(group, i);
            TopicProbe.send(Topics.REQUESTS, group, new StreamRequest(member, "recorded", targets.get(i).model(),
                    List.of(ChatMessage.user("hi")), GenerationParams.DEFAULTS, 1L, null,
                    new Merge(group, i, MergeMode.RACE, targets, 1000)), JsonSerde.of(StreamRequest.class));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> server.openStreams() == 2);

        TopicProbe.send(Topics.CONTROL, group, new ControlCommand("c-group", group, ControlAction.CANCEL, 1L),
                JsonSerde.of(ControlCommand.class));

        await().atMost(Duration.ofSeconds(3)).until(() -> server.openStreams() == 0);
        var events = TopicProbe.tokenEventsUntil(group,
                list -> list.stream().filter(e -> e.kind().isTerminal()).count() == 2, Duration.ofSeconds(10));
        assertThat(events).extracting(TokenEvent::streamId)
                .contains(Merge.memberId(group, 0), Merge.memberId(group, 1));
        assertThat(events).filteredOn(e -> e.kind().isTerminal()).extracting(TokenEvent::kind)
                .containsOnly(TokenEventKind.CANCELLED);
    }
}
