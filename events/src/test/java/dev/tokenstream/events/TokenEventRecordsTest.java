package dev.tokenstream.events;

import dev.tokenstream.events.serde.JsonRecords;
import dev.tokenstream.events.serde.TokenEventRecords;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenEventRecordsTest {

    private final TokenEventRecords records = new TokenEventRecords();

    @Test
    void shouldReadARecordOfOneEventAndARecordOfSeveralInOrder() {
        TokenEvent a = TokenEvent.token("a", 1, "x", 10L);
        TokenEvent b = TokenEvent.token("b", 4, "y", 11L);

        byte[] one = TokenEventRecords.encode(a);
        byte[] several = TokenEventRecords.batch(List.of(one, TokenEventRecords.encode(b)));

        assertThat(TokenEventRecords.isBatch(one)).isFalse();
        assertThat(TokenEventRecords.isBatch(several)).isTrue();
        assertThat(TokenEventRecords.isBatch(" \n[{}]".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(records.deserialize("t", one)).containsExactly(a);
        assertThat(records.deserialize("t", several)).containsExactly(a, b);
        assertThat(new String(several, StandardCharsets.UTF_8)).startsWith("[{").endsWith("}]").contains("},{");
    }

    @Test
    void shouldRefuseWhatIsNeitherAnEventNorAnArrayOfEvents() {
        assertThatThrownBy(() -> records.deserialize("t", "[]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class);
        assertThatThrownBy(() -> records.deserialize("t", "[{\"seq\":\"x\"}]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("cannot read TokenEvent values");
        assertThatThrownBy(() -> records.deserialize("t", "{not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class);
    }

    @Test
    void shouldTellABadElementFromItsNeighbours() {
        TokenEvent good = TokenEvent.token("a", 1, "x", 10L);
        byte[] batch = TokenEventRecords.batch(List.of(TokenEventRecords.encode(good),
                "{\"seq\":\"x\"}".getBytes(StandardCharsets.UTF_8), TokenEventRecords.encode(good)));

        List<JsonRecords.Element<TokenEvent>> elements = records.elements(batch);

        assertThat(elements).extracting(JsonRecords.Element::value).containsExactly(good, null, good);
        assertThat(new String(elements.get(1).undecodable(), StandardCharsets.UTF_8)).isEqualTo("{\"seq\":\"x\"}");
        assertThat(elements.get(1).error()).startsWith("cannot read a TokenEvent");
        assertThatThrownBy(() -> records.elements("[{".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class);
    }
}
