package dev.tokenstream.ingest.provider;

import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.TokenEventKind;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.TokenEventRecords;
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
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
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

        List<TokenEvent> records = TopicProbe.tokenEventsUntil(id,
                list -> list.stream().anyMatch(e -> e.kind() == TokenEventKind.COMPLETED), Duration.ofSeconds(20));
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

        List<TokenEvent> records = TopicProbe.tokenEventsUntil(id, list -> list.size() >= 3,
                Duration.ofSeconds(20));
        assertThat(records).extracting(TokenEvent::text).containsExactly("t0", "t1", "t2");
        assertThat(records).extracting(TokenEvent::batch).containsOnlyNulls();
    }

    @Test
    void shouldSendTheEventsOfSeveralStreamsOfAPartitionThatQueueBehindItsRecordInFlightAsOneRecord() {
        String prefix = "lanes-" + UUID.randomUUID() + "-";
        int streams = 12;
        int tokens = 5;
        List<StreamPublication> publications = IntStream.range(0, streams)
                .mapToObj(i -> new StreamPublication(prefix + i, publisher, 7)).toList();

        // Each stream's first event goes out alone or queues behind its partition's record in flight; the rest of
        // a stream queues behind its own record. 12 streams over a few partitions: several share a record.
        publications.forEach(p -> p.publish(seq -> TokenEvent.started(p.streamId, seq, "simulator", "sim-fast",
                1, 2, 3)));
        for (int n = 0; n < tokens; n++) {
            int token = n;
            publications.forEach(p -> p.publish(seq -> TokenEvent.token(p.streamId, seq, "t" + token, 1_000 + token)));
        }
        publications.forEach(p -> p.publish(seq -> TokenEvent.completed(p.streamId, seq, "stop", null, 9_999)));
        publications.forEach(StreamPublication::awaitLastAck);

        var records = TopicProbe.readUntil(Topics.TOKENS, new TokenEventRecords(), list -> list.stream()
                        .flatMap(r -> r.value().stream())
                        .filter(e -> e.streamId().startsWith(prefix) && e.kind() == TokenEventKind.COMPLETED)
                        .count() == streams, Duration.ofSeconds(20)).stream()
                .filter(r -> r.value().stream().anyMatch(e -> e.streamId().startsWith(prefix))).toList();
        assertThat(records).as("a record holding the events of several streams")
                .anyMatch(r -> r.value().stream().map(TokenEvent::streamId).distinct().count() > 1);
        assertThat(records).filteredOn(r -> r.value().size() > 1).extracting(ConsumerRecord::key)
                .as("a record of several events has no key").containsOnlyNulls();
        assertThat(records).filteredOn(r -> r.value().size() == 1)
                .allSatisfy(r -> assertThat(r.key()).isEqualTo(r.value().get(0).streamId()));
        Map<String, Set<Integer>> partitionsOfStream = records.stream().flatMap(r -> r.value().stream()
                        .map(e -> Map.entry(e.streamId(), r.partition())))
                .collect(Collectors.groupingBy(Map.Entry::getKey,
                        Collectors.mapping(Map.Entry::getValue, Collectors.toSet())));
        assertThat(partitionsOfStream).as("each stream in one partition").hasSize(streams)
                .allSatisfy((id, partitions) -> assertThat(partitions).hasSize(1));
        for (StreamPublication publication : publications) {
            List<TokenEvent> events = records.stream().flatMap(r -> r.value().stream())
                    .filter(e -> e.streamId().equals(publication.streamId)).toList();
            assertThat(events).extracting(TokenEvent::seq).as("seqs of %s in log order", publication.streamId)
                    .containsExactlyElementsOf(LongStream.range(0, events.size()).boxed().toList());
            assertThat(events.get(0).kind()).isEqualTo(TokenEventKind.STARTED);
            assertThat(events.get(events.size() - 1).kind()).isEqualTo(TokenEventKind.COMPLETED);
            assertThat(events.stream().filter(e -> e.kind() == TokenEventKind.TOKEN)
                    .flatMap(e -> e.singles().stream()).map(TokenEvent::text))
                    .containsExactlyElementsOf(IntStream.range(0, tokens).mapToObj(n -> "t" + n).toList());
        }
    }

    private double counter(String name) {
        return registry.get(name).counter().count();
    }
}
