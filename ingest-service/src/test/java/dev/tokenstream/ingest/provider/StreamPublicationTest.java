package dev.tokenstream.ingest.provider;

import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.TokenEventKind;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.JsonSerde;
import dev.tokenstream.ingest.RecordedProviderResource;
import dev.tokenstream.ingest.messaging.TokenPublisher;
import dev.tokenstream.testsupport.KafkaTestResource;
import dev.tokenstream.testsupport.TopicProbe;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Smart batching against a real broker: what the topic holds when tokens come faster than acknowledgements. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RecordedProviderResource.class)
class StreamPublicationTest {

    @Inject
    TokenPublisher publisher;

    @Inject
    MeterRegistry registry;

    @Test
    void shouldSendTokensThatQueueBehindARecordInFlightAsOneRecordKeepingEachTokensTextAndTime() {
        String id = "batching-" + UUID.randomUUID();
        double recordsBefore = counter("tokenstream.ingest.token.records");
        double tokensBefore = counter("tokenstream.ingest.tokens");
        var stream = new StreamPublication(id, publisher, 7);
        int count = 1200;

        stream.publish(seq -> TokenEvent.started(id, seq, "simulator", "sim-fast", 1, 2, 3));
        // The started record is in flight for at least linger.ms (1 ms); these tokens come back to back behind it.
        for (int i = 0; i < count; i++) {
            int n = i;
            stream.publish(seq -> TokenEvent.token(id, seq, "t" + n + " ", 1_000 + n));
        }
        stream.publish(seq -> TokenEvent.completed(id, seq, "stop", null, 9_999));
        stream.awaitLastAck();

        List<TokenEvent> records = TopicProbe.readUntil(Topics.TOKENS, JsonSerde.of(TokenEvent.class),
                        list -> list.stream().anyMatch(r -> id.equals(r.key())
                                && r.value().kind() == TokenEventKind.COMPLETED), Duration.ofSeconds(20))
                .stream().filter(r -> id.equals(r.key())).map(ConsumerRecord::value).toList();
        assertThat(records).extracting(TokenEvent::seq).as("the seq counts records, with no hole")
                .containsExactlyElementsOf(LongStream.range(0, records.size()).boxed().toList());
        assertThat(records).extracting(TokenEvent::attempt).containsOnly(7L);
        List<TokenEvent> tokenRecords = records.stream().filter(e -> e.kind() == TokenEventKind.TOKEN).toList();
        assertThat(tokenRecords.size()).as("records of tokens").isBetween(3, count / 10);
        assertThat(tokenRecords).allSatisfy(record -> assertThat(record.tokenCount())
                .isLessThanOrEqualTo(StreamPublication.MAX_BATCH_TOKENS));
        List<TokenEvent> singles = tokenRecords.stream().flatMap(e -> e.singles().stream()).toList();
        assertThat(singles).extracting(TokenEvent::text)
                .containsExactlyElementsOf(IntStream.range(0, count).mapToObj(n -> "t" + n + " ").toList());
        assertThat(singles).extracting(TokenEvent::emittedAtMicros)
                .containsExactlyElementsOf(LongStream.range(0, count).map(n -> 1_000 + n).boxed().toList());
        assertThat(records.get(0).kind()).isEqualTo(TokenEventKind.STARTED);
        assertThat(records.get(records.size() - 1).kind()).isEqualTo(TokenEventKind.COMPLETED);
        assertThat(stream.tokens()).isEqualTo(count);
        assertThat(counter("tokenstream.ingest.token.records") - recordsBefore).isEqualTo(tokenRecords.size());
        assertThat(counter("tokenstream.ingest.tokens") - tokensBefore).isEqualTo(count);
    }

    @Test
    void shouldSendATokenAtOnceWhenNothingIsInFlight() {
        String id = "single-" + UUID.randomUUID();
        var stream = new StreamPublication(id, publisher, 7);

        for (int i = 0; i < 3; i++) {
            int n = i;
            stream.publish(seq -> TokenEvent.token(id, seq, "t" + n, 1_000 + n));
            stream.awaitLastAck();
        }

        List<TokenEvent> records = TopicProbe.readUntil(Topics.TOKENS, JsonSerde.of(TokenEvent.class),
                        list -> list.stream().filter(r -> id.equals(r.key())).count() >= 3, Duration.ofSeconds(20))
                .stream().filter(r -> id.equals(r.key())).map(ConsumerRecord::value).toList();
        assertThat(records).extracting(TokenEvent::text).containsExactly("t0", "t1", "t2");
        assertThat(records).extracting(TokenEvent::batch).containsOnlyNulls();
    }

    private double counter(String name) {
        return registry.get(name).counter().count();
    }
}
