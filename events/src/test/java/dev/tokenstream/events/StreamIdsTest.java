package dev.tokenstream.events;

import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class StreamIdsTest {

    @Test
    void shouldMakeVersion7IdsThatCarryTheirCreationTime() {
        long before = System.currentTimeMillis();
        String id = StreamIds.newId();
        long after = System.currentTimeMillis();

        assertThat(UUID.fromString(id).version()).isEqualTo(7);
        assertThat(StreamIds.createdAtMillis(id)).isPresent();
        assertThat(StreamIds.createdAtMillis(id).getAsLong()).isBetween(before, after);
        assertThat(StreamIds.createdAtMillis(Merge.memberId(id, 1))).isEqualTo(StreamIds.createdAtMillis(id));
    }

    @Test
    void shouldOrderIdsByCreation() {
        String first = StreamIds.newId();
        String second = StreamIds.newId();

        assertThat(first).isLessThan(second);
    }

    @Test
    void shouldTellNoTimeForIdsThatCarryNone() {
        assertThat(StreamIds.createdAtMillis(UUID.randomUUID().toString())).isEmpty();
        assertThat(StreamIds.createdAtMillis("not-a-uuid")).isEmpty();
        // RFC 9562's example version 7 UUID: 2022-02-22 19:22:22 UTC.
        assertThat(StreamIds.createdAtMillis("017f22e2-79b0-7cc3-98c4-dc0c0c07398f")).hasValue(0x017f22e279b0L);
    }

    @Test
    void shouldMakeATimeOrderedIdFromAVersion7KeyAndANameBasedOneFromAnyOther() {
        String key = StreamIds.newId();
        String id = StreamIds.fromIdempotencyKey("tenant-a", key);

        assertThat(StreamIds.fromIdempotencyKey("tenant-a", key)).as("the same key, the same stream").isEqualTo(id);
        assertThat(StreamIds.fromIdempotencyKey("tenant-b", key)).as("scoped by tenant").isNotEqualTo(id);
        assertThat(StreamIds.isValid(id)).isTrue();
        assertThat(UUID.fromString(id).version()).isEqualTo(7);
        assertThat(UUID.fromString(id).variant()).isEqualTo(2);
        assertThat(StreamIds.createdAtMillis(id)).isEqualTo(StreamIds.createdAtMillis(key));
        assertThat(id).isNotEqualTo(key);

        String other = StreamIds.fromIdempotencyKey("tenant-a", "order-42");
        assertThat(UUID.fromString(other).version()).isEqualTo(5);
        assertThat(StreamIds.createdAtMillis(other)).isEmpty();
        long future = System.currentTimeMillis() + 3_600_000;
        String fromTheFuture = new UUID((future << 16) | 0x7000L, 0x8000000000000001L).toString();
        assertThat(UUID.fromString(StreamIds.fromIdempotencyKey("tenant-a", fromTheFuture)).version())
                .as("a key claiming a time an hour ahead earns no trust").isEqualTo(5);
    }
}
