package dev.tokenstream.replay;

import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.Usage;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RecordedStreamTest {

    @Test
    void shouldSplitABatchIntoItsTokensForTheTextTheTimingAndTheReplay() {
        TokenEvent batch = TokenEvent.batch(List.of(TokenEvent.token("s", 2, "b", 3_000), TokenEvent.token("s", 3, "c",
                4_000)));
        var stream = new RecordedStream("s", "tokenstream.tokens", List.of(
                recorded(TokenEvent.started("s", 0, "simulator", "sim-fast", 0, 1_000, 1_000), 10),
                recorded(TokenEvent.token("s", 1, "a", 2_000), 11),
                recorded(batch, 12),
                recorded(TokenEvent.completed("s", 3, "stop", new Usage(1L, 3L, null, null), 5_000), 13)),
                List.of(), null);

        assertThat(stream.text()).isEqualTo("abc");
        assertThat(stream.tokens()).extracting(e -> e.event().emittedAtMicros())
                .containsExactly(2_000L, 3_000L, 4_000L);
        assertThat(stream.tokens()).extracting(RecordedEvent::offset).containsExactly(11L, 12L, 12L);
        assertThat(stream.oneTokenEach()).hasSize(5);
        StreamSummary summary = StreamSummary.of(stream);
        assertThat(summary.tokens()).isEqualTo(3);
        assertThat(summary.itlP50Millis()).isEqualTo(1.0);
    }

    private static RecordedEvent recorded(TokenEvent event, long offset) {
        return new RecordedEvent(event, "tokenstream.tokens", 0, offset, 0);
    }
}
