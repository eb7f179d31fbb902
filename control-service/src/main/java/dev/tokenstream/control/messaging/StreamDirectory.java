package dev.tokenstream.control.messaging;

import dev.tokenstream.events.ControlAction;
import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.StreamRequest;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.StreamStats;
import jakarta.enterprise.context.ApplicationScoped;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this instance knows of every stream, to answer status and to check a command against the state. It
 * reads the requests topic (streams that exist), the control topic (the latest command of each stream, from
 * any instance) and the compacted stream-stats topic (the processor's view), each in a consumer group of its
 * own from the beginning. The processor confirms a command a few milliseconds after it is written; until then
 * the latest command decides, so a pause followed at once by a resume is accepted. Undecodable records arrive
 * as null and are skipped.
 */
@ApplicationScoped
public class StreamDirectory {

    private final Map<String, Entry> streams = new ConcurrentHashMap<>();
    private final ViewCatchUp catchUp;

    public StreamDirectory(@Identifier(ViewCatchUp.NAME) ViewCatchUp catchUp) {
        this.catchUp = catchUp;
    }

    /** Records a stream this instance just wrote to the requests topic, and a member's merge group. */
    public void accepted(StreamRequest request) {
        streams.computeIfAbsent(request.streamId(), id -> new Entry());
        if (request.merge() != null) {
            streams.computeIfAbsent(request.merge().groupId(), id -> new Entry());
        }
    }

    /** Records a command this instance just wrote to the control topic. */
    public void commanded(ControlCommand command) {
        entry(command.streamId()).lastCommand = command.action();
    }

    @Incoming("requests-view")
    void onRequest(StreamRequest request, IncomingKafkaRecordMetadata<String, StreamRequest> record) {
        if (request != null) {
            accepted(request);
        }
        catchUp.processed(record.getTopic(), record.getPartition(), record.getOffset());
    }

    @Incoming("control-view")
    void onCommand(ControlCommand command, IncomingKafkaRecordMetadata<String, ControlCommand> record) {
        if (command != null) {
            commanded(command);
        }
        catchUp.processed(record.getTopic(), record.getPartition(), record.getOffset());
    }

    @Incoming("stats-view")
    void onStats(StreamStats stats, IncomingKafkaRecordMetadata<String, StreamStats> record) {
        if (stats != null) {
            entry(stats.streamId()).stats = stats;
        }
        catchUp.processed(record.getTopic(), record.getPartition(), record.getOffset());
    }

    /**
     * @param streamId a stream id
     * @return the stream's state as the API reports it, or empty when no such stream exists
     */
    public Optional<StreamState> state(String streamId) {
        Entry entry = streams.get(streamId);
        return entry == null ? Optional.empty() : Optional.of(entry.state());
    }

    /** @return the processor's latest statistics of the stream, when it published any. */
    public Optional<StreamStats> stats(String streamId) {
        Entry entry = streams.get(streamId);
        return entry == null ? Optional.empty() : Optional.ofNullable(entry.stats);
    }

    private Entry entry(String streamId) {
        return streams.computeIfAbsent(streamId, id -> new Entry());
    }

    /** One stream: the processor's last word and the last command sent. */
    private static final class Entry {
        volatile StreamStats stats;
        volatile ControlAction lastCommand;

        StreamState state() {
            StreamState processed = stats == null ? StreamState.REQUESTED : stats.state();
            if (lastCommand == null || !processed.allows(lastCommand)) {
                return processed;
            }
            return processed.after(lastCommand, stats != null && stats.ttftMillis() != null);
        }
    }
}
