package dev.tokenstream.delivery.messaging;

import dev.tokenstream.events.DeliveryOwners;
import dev.tokenstream.events.StreamIds;
import dev.tokenstream.events.Topics;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A stream's partition is the one the producer's partitioner gives its key; members name their URL in client.id. */
class PartitionOwnersTest {

    private final PartitionOwners owners = new PartitionOwners(Map.of("bootstrap.servers", "localhost:1"),
            DeliveryOwners.GROUP, FrameLogsEvictionTest.config(2));

    @Test
    void shouldPlaceAStreamWhereTheProducersPartitionerPutsItsFrames() {
        assertThat(owners.partitionOf(StreamIds.newId())).as("before the first assignment").isEqualTo(-1);
        owners.assigned(List.of(new TopicPartition(Topics.DELIVERIES, 1)), 48);
        for (int i = 0; i < 1000; i++) {
            String id = StreamIds.newId();
            int expected = BuiltInPartitioner.partitionForKey(id.getBytes(StandardCharsets.UTF_8), 48);
            assertThat(owners.partitionOf(id)).as(id).isEqualTo(expected);
            assertThat(owners.ownsStream(id)).isEqualTo(expected == 1);
        }
        owners.revoked(List.of(new TopicPartition(Topics.DELIVERIES, 1)));
        assertThat(owners.owned()).isEmpty();
    }

    @Test
    void shouldReadAMembersUrlFromItsClientId() {
        assertThat(DeliveryOwners.urlOf("delivery[http://10.0.3.7:8081]")).isEqualTo("http://10.0.3.7:8081");
        assertThat(DeliveryOwners.urlOf("delivery[http://localhost:8091]-0")).isEqualTo("http://localhost:8091");
        assertThat(DeliveryOwners.urlOf("kafka-consumer-deliveries")).isNull();
        assertThat(DeliveryOwners.urlOf(null)).isNull();
    }
}
