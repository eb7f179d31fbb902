package dev.tokenstream.ingest;

import dev.tokenstream.events.CatalogEntry;
import dev.tokenstream.events.ControlAction;
import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.TokenEventKind;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.Usage;
import dev.tokenstream.events.serde.JsonSerde;
import dev.tokenstream.ingest.provider.ExplodingProviderRegistry;
import dev.tokenstream.ingest.provider.ProviderRegistry;
import dev.tokenstream.testsupport.KafkaTestResource;
import dev.tokenstream.testsupport.RecordedStreams;
import dev.tokenstream.testsupport.TopicProbe;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Ingest against a real broker and a real HTTP server replaying a recorded OpenAI stream (openai-chat-text.sse). */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RecordedProviderResource.class)
class StreamWorkerTest {

    private static final String RECORDED_TEXT = "I'm unable to provide real-time weather updates. To get the current"
            + " weather in San Francisco, I recommend checking a reliable weather website or a weather app.";

    @AfterEach
    void fastPace() throws Exception {
        RecordedProviderResource.server.serve("openai-chat-text.sse", 2);
    }

    @Test
    void shouldPublishTheProvidersItServesToTheCatalog() {
        var entries = TopicProbe.readUntil(Topics.CATALOG, JsonSerde.of(CatalogEntry.class),
                list -> list.stream().anyMatch(r -> "recorded-limited".equals(r.key())), Duration.ofSeconds(20));
        CatalogEntry limited = entries.stream().filter(r -> "recorded-limited".equals(r.key())).findFirst()
                .orElseThrow().value();
        assertThat(limited.models()).containsExactly("gpt-4o", "gpt-4o-mini");
        assertThat(limited.api()).isEqualTo("openai");
        assertThat(limited.maxOutputTokens()).isEqualTo(65536);
        assertThat(entries).extracting(r -> r.key()).contains("recorded", "recorded-anthropic", "simulator");
        assertThat(entries.stream().filter(r -> "recorded-anthropic".equals(r.key())).findFirst().orElseThrow()
                .value().api()).isEqualTo("anthropic");
    }

    @Test
    void shouldPublishTheRecordedStreamInOrderWithUsage() {
        String id = request("recorded");

        List<TokenEvent> events = eventsUntilEnd(id);
        assertThat(events).extracting(TokenEvent::seq)
                .containsExactlyElementsOf(LongStream.range(0, events.size()).boxed().toList());
        assertThat(events.get(0).kind()).isEqualTo(TokenEventKind.STARTED);
        assertThat(events.get(0).acceptedAtMicros()).isEqualTo(42L);
        assertThat(events).extracting(TokenEvent::attempt).as("one attempt, when ingest took the request")
                .containsOnly(events.get(0).attempt()).doesNotContainNull();
        assertThat(IngestStreams.text(events, TokenEventKind.TOKEN)).isEqualTo(RECORDED_TEXT);
        TokenEvent last = events.get(events.size() - 1);
        assertThat(last.kind()).isEqualTo(TokenEventKind.COMPLETED);
        assertThat(last.finishReason()).isEqualTo("stop");
        assertThat(last.usage()).isEqualTo(new Usage(14L, 30L, null, 0L));
    }

    @Test
    void shouldCloseTheUpstreamConnectionOnCancelAndPublishCancelled() throws Exception {
        RecordedProviderResource.server.serve("openai-chat-text.sse", 150);
        String id = request("recorded");
        await().atMost(Duration.ofSeconds(15)).until(() -> RecordedProviderResource.server.openStreams() == 1);
        eventsUntil(id, e -> e.kind() == TokenEventKind.TOKEN);

        TopicProbe.send(Topics.CONTROL, id, new ControlCommand("c-1", id, ControlAction.CANCEL, 1L),
                JsonSerde.of(ControlCommand.class));

        await().atMost(Duration.ofSeconds(5)).until(() -> RecordedProviderResource.server.openStreams() == 0);
        List<TokenEvent> events = eventsUntilEnd(id);
        TokenEvent last = events.get(events.size() - 1);
        assertThat(last.kind()).isEqualTo(TokenEventKind.CANCELLED);
        assertThat(last.usage().outputTokens()).isPositive().isLessThan(30);
    }

    @Test
    void shouldFailAStreamThatNamesAnUnknownProvider() {
        String id = request("nobody");

        TokenEvent last = eventsUntilEnd(id).get(0);
        assertThat(last.kind()).isEqualTo(TokenEventKind.FAILED);
        assertThat(last.error().code()).isEqualTo("unknown_provider");
        assertThat(last.error().message()).contains("recorded");
    }

    @Test
    void shouldRepublishARecordedStreamAsANewStreamEndingAsItEnded() {
        String completed = RecordedStreams.completed(0);
        String cancelled = RecordedStreams.cancelled();

        List<TokenEvent> replay = eventsUntilEnd(request("replay:" + completed));
        List<TokenEvent> replayOfCancel = eventsUntilEnd(request("replay:" + cancelled));

        assertThat(replay).extracting(TokenEvent::seq)
                .containsExactlyElementsOf(LongStream.range(0, replay.size()).boxed().toList());
        assertThat(IngestStreams.tokens(replay)).extracting(TokenEvent::text).isEqualTo(RecordedStreams.TOKENS);
        assertThat(replay.get(replay.size() - 1).kind()).isEqualTo(TokenEventKind.COMPLETED);
        assertThat(replay.get(replay.size() - 1).usage()).isEqualTo(new Usage(9L, 7L, null, null));
        assertThat(replayOfCancel.get(replayOfCancel.size() - 1).kind()).isEqualTo(TokenEventKind.CANCELLED);
        assertThat(IngestStreams.tokens(replayOfCancel)).hasSize(3);
    }

    @Test
    void shouldFailAReplayOfAStreamThatNeverExisted() {
        List<TokenEvent> events = eventsUntilEnd(request("replay:nobody-recorded-this"));
        TokenEvent last = events.get(events.size() - 1);

        assertThat(last.kind()).isEqualTo(TokenEventKind.FAILED);
        assertThat(last.error().code()).isEqualTo("invalid_request");
        assertThat(last.error().message()).contains("no stream with id nobody-recorded-this");
    }

    @Test
    void shouldDeadLetterAnUndecodableRequestAndGoOn() {
        String poisonKey = "poison-" + UUID.randomUUID();
        TopicProbe.sendRaw(Topics.REQUESTS, poisonKey, "{this is not a request");
        String id = request("recorded");

        assertThat(eventsUntilEnd(id)).last().extracting(TokenEvent::kind).isEqualTo(TokenEventKind.COMPLETED);
        List<ConsumerRecord<String, byte[]>> dead = TopicProbe.readUntil(Topics.DLQ, TopicProbe.bytes(),
                list -> list.stream().anyMatch(r -> poisonKey.equals(r.key())), Duration.ofSeconds(15));
        ConsumerRecord<String, byte[]> record = dead.stream().filter(r -> poisonKey.equals(r.key())).findFirst()
                .orElseThrow();
        assertThat(new String(record.value(), StandardCharsets.UTF_8)).isEqualTo("{this is not a request");
    }

    @Test
    void shouldFailAStreamWhoseEventKafkaRefusedAsDataLossAndPublishNothingAfterTheHole() {
        // A content delta over the producer's max.request.size (1 MiB): the send of its token event fails.
        String huge = "x".repeat(1_200_000);
        RecordedProviderResource.server.serveMade("refused", List.of(
                chunk("{\"role\":\"assistant\",\"content\":\"\"}", null), chunk("{\"content\":\"before\"}", null),
                chunk("{\"content\":\"" + huge + "\"}", null), chunk("{\"content\":\"after\"}", null),
                chunk("{}", "\"stop\"")));

        List<TokenEvent> events = eventsUntilEnd(IngestStreams.request("recorded", "refused"));

        assertThat(events).extracting(TokenEvent::kind).containsExactly(TokenEventKind.STARTED, TokenEventKind.TOKEN,
                TokenEventKind.FAILED);
        assertThat(events.get(1).text()).isEqualTo("before");
        TokenEvent failed = events.get(2);
        assertThat(failed.error().code()).isEqualTo("data_loss");
        assertThat(failed.seq()).as("the refused event's seq is the hole").isEqualTo(3);
    }

    @Test
    void shouldEndAStreamWhoseWorkerFailsBeforeItsFirstEventAndDeadLetterTheRequest() {
        QuarkusMock.installMockForType(new ExplodingProviderRegistry(), ProviderRegistry.class);

        String id = request("recorded");

        List<TokenEvent> events = eventsUntilEnd(id);
        assertThat(events).singleElement().satisfies(failed -> {
            assertThat(failed.kind()).isEqualTo(TokenEventKind.FAILED);
            assertThat(failed.seq()).isZero();
            assertThat(failed.error().code()).isEqualTo("internal_error");
            assertThat(failed.error().message()).contains("IllegalStateException");
        });
        assertThat(TopicProbe.readUntil(Topics.DLQ, TopicProbe.bytes(),
                list -> list.stream().anyMatch(r -> id.equals(r.key())), Duration.ofSeconds(15)))
                .anyMatch(r -> id.equals(r.key()));
    }

    private static String chunk(String delta, String finishReason) {
        return "data: {\"id\":\"chatcmpl-refused\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                + "\"model\":\"refused\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":"
                + finishReason + "}]}\n\n";
    }

    private static String request(String provider) {
        return IngestStreams.request(provider, "gpt-4o");
    }

    private static List<TokenEvent> eventsUntilEnd(String id) {
        return IngestStreams.eventsUntilEnd(id);
    }

    private static List<TokenEvent> eventsUntil(String id, Predicate<TokenEvent> until) {
        return IngestStreams.eventsUntil(id, until);
    }
}
