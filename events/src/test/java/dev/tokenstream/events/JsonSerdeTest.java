package dev.tokenstream.events;

import dev.tokenstream.events.serde.JsonSerde;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonSerdeTest {

    @Test
    void shouldRoundTripEveryContractRecord() {
        var request = new StreamRequest("s1", "simulator", "sim-fast", List.of(ChatMessage.user("hi")),
                new GenerationParams(64, 0.2, 7L), 123L);
        assertThat(roundTrip(request, StreamRequest.class)).isEqualTo(request);

        var token = TokenEvent.token("s1", 3, "Hello", 456L);
        assertThat(roundTrip(token, TokenEvent.class)).isEqualTo(token);

        var frame = new DeliveryFrame(FrameType.COMPLETED, "s1", 9, null, 1L, "stop",
                new Usage(10L, 20L, null, null), null);
        assertThat(roundTrip(frame, DeliveryFrame.class)).isEqualTo(frame);

        var command = new ControlCommand("c1", "s1", ControlAction.PAUSE, 99L);
        assertThat(roundTrip(command, ControlCommand.class)).isEqualTo(command);
    }

    @Test
    void shouldCarryEachTokenOfABatchAndGiveThemBackOneByOne() {
        List<TokenEvent> singles = List.of(TokenEvent.token("s1", 4, "Hé", 10L).withAttempt(7),
                TokenEvent.token("s1", 5, "", 12L).withAttempt(7), TokenEvent.token("s1", 6, " 🙂", 15L).withAttempt(7));
        TokenEvent batch = TokenEvent.batch(singles);

        assertThat(batch.seq()).isEqualTo(4);
        assertThat(batch.text()).isEqualTo("Hé 🙂");
        assertThat(batch.tokenCount()).isEqualTo(3);
        assertThat(batch.lastEmittedAtMicros()).isEqualTo(15L);
        TokenEvent read = roundTrip(batch, TokenEvent.class);
        assertThat(read).isEqualTo(batch);
        assertThat(read.batchWellFormed()).isTrue();
        assertThat(read.singles()).extracting(TokenEvent::text).containsExactly("Hé", "", " 🙂");
        assertThat(read.singles()).extracting(TokenEvent::emittedAtMicros).containsExactly(10L, 12L, 15L);
        assertThat(read.singles()).extracting(TokenEvent::seq).containsOnly(4L);
        assertThat(TokenEvent.batch(List.of(singles.get(0)))).as("one token is no batch").isSameAs(singles.get(0));
        assertThatThrownBy(() -> TokenEvent.batch(List.of(singles.get(0), TokenEvent.reasoning("s1", 5, "r", 1L))))
                .isInstanceOf(IllegalArgumentException.class);
        var corrupt = new TokenEvent("s1", 4, TokenEventKind.TOKEN, "Hé", 10L, null, null, null, null, null, null,
                null, null, null, 7L, null, batch.batch());
        assertThat(corrupt.batchWellFormed()).isFalse();
    }

    @Test
    void shouldWriteFrameTypesInLowerCaseAndLeaveOutNulls() {
        byte[] bytes = JsonSerde.of(DeliveryFrame.class).serialize("t", DeliveryFrame.token("s1", 0, "a", 5L));
        assertThat(new String(bytes, StandardCharsets.UTF_8))
                .isEqualTo("{\"type\":\"token\",\"streamId\":\"s1\",\"seq\":0,\"text\":\"a\",\"emittedAtMicros\":5}");
    }

    @Test
    void shouldMapNullToNull() {
        var serde = JsonSerde.of(TokenEvent.class);
        assertThat(serde.serialize("t", null)).isNull();
        assertThat(serde.deserialize("t", null)).isNull();
    }

    @Test
    void shouldWrapUndecodableBytesInSerializationException() {
        var serde = JsonSerde.of(TokenEvent.class);
        assertThatThrownBy(() -> serde.deserialize("tokenstream.tokens", "not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("TokenEvent")
                .hasMessageContaining("tokenstream.tokens");
    }

    private static <T> T roundTrip(T value, Class<T> type) {
        var serde = JsonSerde.of(type);
        return serde.deserialize("t", serde.serialize("t", value));
    }
}
