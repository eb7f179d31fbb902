package dev.tokenstream.processor.streams;

import dev.tokenstream.events.TokenEvent;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.ArrayList;
import java.util.List;

/**
 * The token events of paused streams, held in the {@link StreamTopology#PAUSE_BUFFER_STORE} (changelogged) under
 * {@code streamId/seq} until the stream resumes (released in order) or ends (dropped: they stay in the tokens
 * topic). Keeps each stream's {@link PauseClock#heldEvents} count in step.
 */
final class PauseBuffer {

    private final KeyValueStore<String, TokenEvent> held;

    PauseBuffer(KeyValueStore<String, TokenEvent> held) {
        this.held = held;
    }

    void hold(String streamId, PauseClock clock, TokenEvent event) {
        held.put(key(streamId, event.seq()), event);
        clock.held();
    }

    /** @return the stream's held events in seq order, removed from the buffer */
    List<TokenEvent> release(String streamId, PauseClock clock) {
        List<TokenEvent> events = new ArrayList<>();
        try (KeyValueIterator<String, TokenEvent> it = held.prefixScan(streamId + "/", Serdes.String().serializer())) {
            it.forEachRemaining(kv -> events.add(kv.value));
        }
        events.forEach(event -> held.delete(key(streamId, event.seq())));
        clock.released();
        return events;
    }

    /** Drops the stream's held events. */
    void drop(String streamId, PauseClock clock) {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, TokenEvent> it = held.prefixScan(streamId + "/", Serdes.String().serializer())) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        keys.forEach(held::delete);
        clock.released();
    }

    /** Key of a held event: zero-padded seq, so a prefix scan returns a stream's events in order. */
    static String key(String streamId, long seq) {
        return streamId + "/" + String.format("%019d", seq);
    }
}
