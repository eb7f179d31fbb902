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
        assertThat(words.flushAfter("word ", "a word ", 2)).isTrue();
        assertThat(words.flushAfter("wo", "wo", 1)).isFalse();
    }

    @Test
    void shouldFlushSentencesAtTheirEndOrALineBreak() {
        var sentences = new Coalescer.Sentences();

        assertThat(sentences.flushAfter("end. ", "The end. ", 2)).isTrue();
        assertThat(sentences.flushAfter("?", "Why?", 2)).isTrue();
        assertThat(sentences.flushAfter("line\n", "A line\n", 2)).isTrue();
        assertThat(sentences.flushAfter(" and", "This and", 2)).isFalse();
    }

    @Test
    void shouldFlushCountsAtTheirSize() {
        assertThat(new Coalescer.TokenCount(3).flushAfter("c", "abc", 2)).isFalse();
        assertThat(new Coalescer.TokenCount(3).flushAfter("c", "abc", 3)).isTrue();
        assertThat(new Coalescer.CharacterCount(4).flushAfter("c", "abc", 3)).isFalse();
        assertThat(new Coalescer.CharacterCount(4).flushAfter("cd", "abcd", 3)).isTrue();
        assertThat(new Coalescer.Window(20).flushAfter("x", "x", 100)).as("the clock flushes a window").isFalse();
    }
}
