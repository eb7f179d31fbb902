package dev.tokenstream.events;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A conversation of one tenant: the streams started in it, oldest first, as the compacted {@link Topics#SESSIONS}
 * topic keeps it (keyed by session id; each record holds the whole session). A stream started in a session carries
 * only the turn's new messages; the conversation the provider is sent is the earlier turns' messages and answers
 * ({@link #conversation()}) followed by them.
 *
 * @param sessionId       a UUID
 * @param tenant          whose session it is
 * @param createdAtMicros when it was made, epoch microseconds
 * @param version         one more with every change, so a reader keeps the latest version it saw
 * @param turns           its turns, oldest first
 */
public record Session(String sessionId, String tenant, long createdAtMicros, long version, List<SessionTurn> turns) {

    public Session {
        turns = turns == null ? List.of() : List.copyOf(turns);
    }

    /** @return a session of no turns yet */
    public static Session open(String sessionId, String tenant) {
        return new Session(sessionId, tenant, Micros.now(), 0, List.of());
    }

    /** @return this session with {@code turn} last */
    public Session withTurn(SessionTurn turn) {
        List<SessionTurn> more = new ArrayList<>(turns);
        more.add(turn);
        return new Session(sessionId, tenant, createdAtMicros, version + 1, more);
    }

    /** @return this session with its turns replaced by {@code turns} */
    public Session withTurns(List<SessionTurn> turns) {
        return new Session(sessionId, tenant, createdAtMicros, version + 1, turns);
    }

    /** @return the latest turn, empty for a new session */
    public Optional<SessionTurn> last() {
        return turns.isEmpty() ? Optional.empty() : Optional.of(turns.get(turns.size() - 1));
    }

    /** @return the position of stream {@code streamId}'s turn, or -1 when none of its turns is that stream */
    public int indexOf(String streamId) {
        for (int i = 0; i < turns.size(); i++) {
            if (turns.get(i).streamId().equals(streamId)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * @return the conversation so far: each turn's messages, then its answer as it was delivered (an answer that
     *         did not complete marked so); a turn whose answer is not recorded yet gives its messages only
     */
    public List<ChatMessage> conversation() {
        List<ChatMessage> messages = new ArrayList<>();
        for (SessionTurn turn : turns) {
            messages.addAll(turn.messages());
            turn.answerMessage().ifPresent(messages::add);
        }
        return messages;
    }
}
