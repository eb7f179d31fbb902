package dev.tokenstream.delivery.sse;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ServerSentEventsTest {

    @Test
    void shouldWriteAnEventWithItsIdTypeAndData() {
        assertThat(ServerSentEvents.event(7, "token", "{\"text\":\"hi\"}"))
                .isEqualTo("id: 7\nevent: token\ndata: {\"text\":\"hi\"}\n\n");
    }

    @Test
    void shouldSplitDataOfSeveralLinesIntoSeveralDataLines() {
        // A raw line break inside one data line would end the field early and lose the rest (WHATWG HTML 9.2.6).
        assertThat(ServerSentEvents.data("one\ntwo\r\nthree")).isEqualTo("data: one\ndata: two\ndata: three\n\n");
        assertThat(ServerSentEvents.DONE).isEqualTo("data: [DONE]\n\n");
    }

    @Test
    void shouldKeepACommentOnOneLine() {
        assertThat(ServerSentEvents.comment("heart\nbeat")).isEqualTo(": heart beat\n\n");
    }
}
