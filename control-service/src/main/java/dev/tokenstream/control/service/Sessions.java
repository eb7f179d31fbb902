package dev.tokenstream.control.service;

import dev.tokenstream.control.messaging.DeliveredAnswers;
import dev.tokenstream.control.messaging.SessionStore;
import dev.tokenstream.control.messaging.StreamDirectory;
import dev.tokenstream.control.problem.ProblemException;
import dev.tokenstream.control.problem.ProblemException.Reason;
import dev.tokenstream.events.ChatMessage;
import dev.tokenstream.events.Session;
import dev.tokenstream.events.SessionTurn;
import dev.tokenstream.events.StreamIds;
import dev.tokenstream.events.serde.Json;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Conversations kept in Kafka ({@link SessionStore}): making them, finding one for a tenant, recording the answers
 * of turns that ended, and starting a turn with the conversation so far. A turn's answer is recorded, as its clients
 * received it ({@link DeliveredAnswers}), the first time it is needed after its stream ended: by the next turn, or
 * by a look at the session.
 */
@ApplicationScoped
public class Sessions {

    /** The largest session record written, in bytes of JSON; Kafka's default record limit is 1 MiB. */
    static final int MAX_SESSION_BYTES = 900 * 1024;

    private final SessionStore store;
    private final StreamDirectory directory;
    private final DeliveredAnswers answers;
    /** Sessions a turn is being started in on this instance. */
    private final Set<String> starting = ConcurrentHashMap.newKeySet();

    public Sessions(SessionStore store, StreamDirectory directory, DeliveredAnswers answers) {
        this.store = store;
        this.directory = directory;
        this.answers = answers;
    }

    /**
     * Makes a session, or finds the one a key names.
     *
     * @param key null for a new session; else a name of the tenant's choosing (a chat id) that always names the
     *            same session, made the first time
     * @return the session; {@code created} says whether it is new
     */
    public Uni<Made> open(String tenant, String key) {
        String id = key == null ? StreamIds.newId() : StreamIds.fromIdempotencyKey(tenant, "session:" + key);
        var known = store.find(id);
        if (known.isPresent()) {
            if (!known.get().tenant().equals(tenant)) {
                throw new IllegalStateException("session ids are scoped by tenant: " + id + " cannot be another's");
            }
            return Uni.createFrom().item(new Made(known.get(), false));
        }
        Session session = Session.open(id, tenant);
        return written(store.save(session)).replaceWith(new Made(session, true));
    }

    /**
     * The session to continue after stream {@code streamId}: the one it was started in when it is that session's
     * latest turn, else a new session holding that session's turns up to it (a branch, as OpenAI's
     * {@code previous_response_id} allows from any earlier response).
     *
     * @throws ProblemException 404 when the stream was started in none of the tenant's sessions
     */
    public Uni<Made> after(String tenant, String streamId) {
        Session session = store.findByStream(streamId)
                .filter(s -> s.tenant().equals(tenant) && s.indexOf(streamId) >= 0)
                .orElseThrow(() -> new ProblemException(Reason.SESSION_NOT_FOUND, "stream " + streamId
                        + " was not started in a session of yours"));
        int index = session.indexOf(streamId);
        if (index == session.turns().size() - 1) {
            return Uni.createFrom().item(new Made(session, false));
        }
        Session branch = Session.open(StreamIds.newId(), tenant).withTurns(session.turns().subList(0, index + 1));
        return written(store.save(branch)).replaceWith(new Made(branch, true));
    }

    /**
     * A session and whether it was just made.
     *
     * @param session the session
     * @param created true when this call made it
     */
    public record Made(Session session, boolean created) {
    }

    /**
     * @return the tenant's session {@code sessionId}, with the answers of the turns that ended recorded
     * @throws ProblemException 404 for an unknown session or another tenant's
     */
    public Uni<Session> find(String tenant, String sessionId) {
        return recorded(visible(tenant, sessionId));
    }

    /**
     * Begins a turn: the conversation to send the provider, the session's earlier turns followed by
     * {@code messages}. Until {@link #endTurn} or {@link #abandonTurn}, another turn of the session is refused here.
     *
     * @param replaceLast whether the turn replaces the latest one (a regenerated answer): the conversation then
     *                    stops before it
     * @throws ProblemException 404 for an unknown session or another tenant's; 409 while its latest turn still
     *                          streams, another turn is being started, or there is no turn to replace
     */
    public Uni<List<ChatMessage>> beginTurn(String tenant, String sessionId, List<ChatMessage> messages,
                                            boolean replaceLast) {
        Session session = visible(tenant, sessionId);
        if (!starting.add(sessionId)) {
            throw new ProblemException(Reason.STATE_CONFLICT, "a turn of session " + sessionId
                    + " is being started; a conversation takes one turn at a time");
        }
        return recorded(session).map(current -> {
            if (current.last().filter(turn -> !turn.recorded()).isPresent()) {
                throw new ProblemException(Reason.STATE_CONFLICT, "the latest turn of session " + sessionId
                        + " (stream " + current.last().get().streamId() + ") is still streaming: wait for it to end, "
                        + "or cancel it");
            }
            if (replaceLast && current.turns().isEmpty()) {
                throw new ProblemException(Reason.STATE_CONFLICT, "session " + sessionId + " has no turn to replace");
            }
            Session before = replaceLast ? current.withTurns(current.turns().subList(0, current.turns().size() - 1))
                    : current;
            checkFits(current, messages);
            List<ChatMessage> conversation = new ArrayList<>(before.conversation());
            conversation.addAll(messages);
            return conversation;
        }).onFailure().invoke(() -> starting.remove(sessionId));
    }

    /**
     * Ends a turn begun with {@link #beginTurn}: stream {@code streamId} is the session's latest turn, in place of
     * the one before when {@code replaceLast}.
     */
    public Uni<Void> endTurn(String sessionId, String streamId, List<ChatMessage> messages, boolean replaceLast) {
        Session session = store.find(sessionId).orElseThrow();
        Session kept = replaceLast && !session.turns().isEmpty() && session.indexOf(streamId) < 0
                ? session.withTurns(session.turns().subList(0, session.turns().size() - 1)) : session;
        Session next = kept.indexOf(streamId) >= 0 ? kept : kept.withTurn(SessionTurn.started(streamId, messages));
        return written(store.save(next)).eventually(() -> starting.remove(sessionId));
    }

    /** Gives up a turn begun with {@link #beginTurn} that started no stream. */
    public void abandonTurn(String sessionId) {
        starting.remove(sessionId);
    }

    private Session visible(String tenant, String sessionId) {
        return store.find(sessionId).filter(session -> session.tenant().equals(tenant))
                .orElseThrow(() -> new ProblemException(Reason.SESSION_NOT_FOUND, "no session with id " + sessionId));
    }

    /** @return {@code session} with the answers of its turns that ended recorded, written when any was new */
    private Uni<Session> recorded(Session session) {
        List<Uni<SessionTurn>> turns = session.turns().stream().map(this::recorded).toList();
        if (turns.isEmpty()) {
            return Uni.createFrom().item(session);
        }
        return Uni.join().all(turns).andFailFast().flatMap(now -> {
            if (now.equals(session.turns())) {
                return Uni.createFrom().item(session);
            }
            Session updated = session.withTurns(now);
            checkFits(updated, List.of());
            return written(store.save(updated)).replaceWith(updated);
        });
    }

    private Uni<SessionTurn> recorded(SessionTurn turn) {
        if (turn.recorded()) {
            return Uni.createFrom().item(turn);
        }
        return directory.find(turn.streamId()).flatMap(found -> {
            if (found.isPresent() && !found.get().state().isTerminal()) {
                return Uni.createFrom().item(turn);
            }
            return answers.of(turn.streamId())
                    .onFailure().transform(e -> new ProblemException(Reason.DELIVERY_UNAVAILABLE, "the answer of "
                            + "stream " + turn.streamId() + " could not be read: " + e.getMessage()))
                    .map(answer -> {
                        Log.debugf("stream %s: its answer recorded in its session (%s)", turn.streamId(),
                                answer.outcome());
                        return turn.answered(answer.text(), answer.toolCalls(), answer.outcome());
                    });
        });
    }

    /** @throws ProblemException 400 when {@code session} with {@code more} messages would not fit in a record */
    private static void checkFits(Session session, List<ChatMessage> more) {
        long bytes = Json.write(session).getBytes(StandardCharsets.UTF_8).length
                + Json.write(more).getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_SESSION_BYTES) {
            throw new ProblemException(Reason.INVALID_REQUEST, "session " + session.sessionId() + " is full: its "
                    + "record would exceed " + MAX_SESSION_BYTES / 1024 + " KiB; start a new session");
        }
    }

    private static Uni<Void> written(Uni<Void> write) {
        return Kafka.acknowledged(write, "the session");
    }
}
