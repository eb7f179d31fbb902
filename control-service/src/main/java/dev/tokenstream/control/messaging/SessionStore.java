package dev.tokenstream.control.messaging;

import dev.tokenstream.events.CompactedTopicReader;
import dev.tokenstream.events.KafkaConnection;
import dev.tokenstream.events.Session;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.Json;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every session, read whole from the compacted {@link Topics#SESSIONS} topic ({@link CompactedTopicReader}) and
 * followed, so any control-service instance answers for any session; a session this instance writes is in its
 * memory once Kafka acknowledged it, in the others' within a poll. Start-up waits until the topic is read to its
 * end (60 s at most). Two instances changing one session at the same moment would each write their own version,
 * the later one winning; clients take turns in a conversation, and one instance refuses a second concurrent turn.
 */
@ApplicationScoped
public class SessionStore {

    private static final Duration LOAD_TIMEOUT = Duration.ofSeconds(60);

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    /** Which session each stream started in a session belongs to. */
    private final Map<String, String> sessionOfStream = new ConcurrentHashMap<>();
    private final MutinyEmitter<Session> writes;
    private final Map<String, Object> kafka;
    private volatile CompactedTopicReader reader;

    public SessionStore(@Channel("sessions") MutinyEmitter<Session> writes,
                        @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.writes = writes;
        this.kafka = kafka;
    }

    void start(@Observes StartupEvent event) throws InterruptedException {
        reader = new CompactedTopicReader(Topics.SESSIONS, KafkaConnection.of(kafka), "tokenstream-control-sessions",
                this::apply);
        if (!reader.start(LOAD_TIMEOUT)) {
            throw new IllegalStateException("could not read the sessions from topic " + Topics.SESSIONS + " within "
                    + LOAD_TIMEOUT + "; is Kafka up and the topic created (the local stack and k8s/base/topics.yaml "
                    + "create it)?");
        }
        Log.infof("sessions: %d read from %s", sessions.size(), Topics.SESSIONS);
    }

    void stop(@Observes ShutdownEvent event) {
        CompactedTopicReader open = reader;
        if (open != null) {
            open.close();
        }
    }

    /** @return the session, whoever's it is; empty when there is none */
    public Optional<Session> find(String sessionId) {
        return Optional.ofNullable(sessions.get(sessionId));
    }

    /** @return the session stream {@code streamId} was started in; empty when it was started in none */
    public Optional<Session> findByStream(String streamId) {
        return Optional.ofNullable(sessionOfStream.get(streamId)).map(sessions::get);
    }

    /** @return completes once Kafka has {@code session}, which this instance then answers with */
    public Uni<Void> save(Session session) {
        return writes.sendMessage(Message.of(session).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(session.sessionId()).build())).invoke(() -> remember(session));
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            Session gone = sessions.remove(record.key());
            if (gone != null) {
                gone.turns().forEach(turn -> sessionOfStream.remove(turn.streamId()));
            }
            return;
        }
        try {
            Session session = Json.MAPPER.readValue(record.value(), Session.class);
            if (!record.key().equals(session.sessionId()) || session.tenant() == null) {
                throw new IllegalArgumentException("session id and record key must agree, and a tenant be named");
            }
            remember(session);
        } catch (Exception e) {
            Log.warnf("sessions: record at %s-%d@%d skipped: %s", record.topic(), record.partition(), record.offset(),
                    e.getMessage());
        }
    }

    private void remember(Session session) {
        // The reader may bring back an older version after this instance wrote a newer one.
        Session known = sessions.get(session.sessionId());
        if (known != null && known.version() > session.version()) {
            return;
        }
        sessions.put(session.sessionId(), session);
        session.turns().forEach(turn -> sessionOfStream.put(turn.streamId(), session.sessionId()));
    }
}
