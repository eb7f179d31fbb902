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
}
