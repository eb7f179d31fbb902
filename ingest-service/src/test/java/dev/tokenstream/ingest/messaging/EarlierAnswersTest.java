package dev.tokenstream.ingest.messaging;

import dev.tokenstream.events.ErrorInfo;
import dev.tokenstream.events.TokenEvent;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** Which answers so far can be continued, from the events of a stream's attempts as the tokens topic holds them. */
class EarlierAnswersTest {

    private static final String ID = "s1";

    private final Map<Long, TreeMap<Long, TokenEvent>> attempts = new HashMap<>();

    @Test
    void shouldReadTheChainOfAContinuedContinuationBackToSeqZero() {
        add(1, started(0), token(1, "A"), token(2, "B"), token(3, "lost, superseded by attempt 2"));
        add(2, started(3), token(4, "C"));
        add(3, started(5), token(6, "D"), token(7, "E"));

        assertThat(EarlierAnswers.chain(ID, attempts)).contains(new Continuation("ABCDE", 5, 8));
    }

    @Test
    void shouldReadOnlyTheAttemptThatReplacedOneWithoutContent() {
        add(1, started(0));
        add(2, started(0), token(1, "the answer"));

        assertThat(EarlierAnswers.chain(ID, attempts)).contains(new Continuation("the answer", 1, 2));
    }

    @Test
    void shouldNotContinueAChainWithAGapAnEndReasoningOrNoText() {
        add(1, started(0), token(1, "A"), token(3, "C"));
        assertThat(EarlierAnswers.chain(ID, attempts)).as("a gap").isEmpty();

        attempts.clear();
        add(1, started(0), token(1, "A"));
        add(2, started(3), token(4, "C"));
        assertThat(EarlierAnswers.chain(ID, attempts)).as("a continuation after an event not in the log").isEmpty();

        attempts.clear();
        add(1, started(0), token(1, "A"), TokenEvent.failed(ID, 2, new ErrorInfo("x", "y", false, null), null, 1));
        assertThat(EarlierAnswers.chain(ID, attempts)).as("ended").isEmpty();

        attempts.clear();
        add(1, started(0), TokenEvent.reasoning(ID, 1, "thinking", 1), token(2, "A"));
        assertThat(EarlierAnswers.chain(ID, attempts)).as("reasoning is no prefill").isEmpty();

        attempts.clear();
        add(1, started(0));
        assertThat(EarlierAnswers.chain(ID, attempts)).as("no text").isEmpty();
        assertThat(EarlierAnswers.chain(ID, Map.of())).as("nothing").isEmpty();
    }

    private void add(long attempt, TokenEvent... events) {
        for (TokenEvent event : events) {
            attempts.computeIfAbsent(attempt, a -> new TreeMap<>()).put(event.seq(), event.withAttempt(attempt));
        }
    }

    private static TokenEvent started(long seq) {
        return TokenEvent.started(ID, seq, "simulator", "sim-fast", 1, 2, 3);
    }

    private static TokenEvent token(long seq, String text) {
        return TokenEvent.token(ID, seq, text, 4);
    }
}
