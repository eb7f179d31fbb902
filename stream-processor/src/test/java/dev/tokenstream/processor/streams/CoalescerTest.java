package dev.tokenstream.processor.streams;

import dev.tokenstream.events.Buffering;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CoalescerTest {

    @Test
    void shouldPickOnePolicyPerBufferingMode() {
        assertThat(Coalescer.of(new Buffering(Buffering.Mode.NONE, null))).isEqualTo(new Coalescer.EachToken());
        assertThat(Coalescer.of(new Buffering(Buffering.Mode.TOKENS, 5))).isEqualTo(new Coalescer.TokenCount(5));
        assertThat(Coalescer.of(new Buffering(Buffering.Mode.CHARACTERS, 10)))
                .isEqualTo(new Coalescer.CharacterCount(10));
        assertThat(Coalescer.of(new Buffering(Buffering.Mode.WORDS, null))).isEqualTo(new Coalescer.Words());
        assertThat(Coalescer.of(new Buffering(Buffering.Mode.SENTENCES, null))).isEqualTo(new Coalescer.Sentences());
        assertThat(Coalescer.of(new Buffering(Buffering.Mode.WINDOW, 20)).windowMillis()).isEqualTo(20);
    }

    @Test
    void shouldFlushWordsAtWhiteSpaceOnEitherSide() {
        var words = new Coalescer.Words();

        assertThat(words.flushBefore(" next", 2)).isTrue();
        assertThat(words.flushBefore(" next", 0)).as("nothing waits").isFalse();
        assertThat(words.flushAfter("word ", "a word ", 2, true)).isTrue();
        assertThat(words.flushAfter("wo", "wo", 1, true)).isFalse();
    }

    @Test
    void shouldFlushSentencesAtTheirEndOrALineBreak() {
        var sentences = new Coalescer.Sentences();

        assertThat(sentences.flushAfter("end. ", "The end. ", 2, true)).isTrue();
        assertThat(sentences.flushAfter("?", "Why?", 2, true)).isTrue();
        assertThat(sentences.flushAfter("line\n", "A line\n", 2, true)).isTrue();
        assertThat(sentences.flushAfter(" and", "This and", 2, true)).isFalse();
    }

    @Test
    void shouldWriteAFramePerRecordByDefault() {
        var each = new Coalescer.EachToken();

        assertThat(each.flushAfter("a", "a", 1, true)).isTrue();
        assertThat(each.flushAfter("b", "ab", 2, false)).as("more tokens of the same record follow").isFalse();
    }

    @Test
    void shouldFlushCountsAtTheirSize() {
        assertThat(new Coalescer.TokenCount(3).flushAfter("c", "abc", 2, true)).isFalse();
        assertThat(new Coalescer.TokenCount(3).flushAfter("c", "abc", 3, true)).isTrue();
        assertThat(new Coalescer.CharacterCount(4).flushAfter("c", "abc", 3, true)).isFalse();
        assertThat(new Coalescer.CharacterCount(4).flushAfter("cd", "abcd", 3, true)).isTrue();
        assertThat(new Coalescer.Window(20).flushAfter("x", "x", 100, true)).as("the clock flushes a window").isFalse();
    }
}
