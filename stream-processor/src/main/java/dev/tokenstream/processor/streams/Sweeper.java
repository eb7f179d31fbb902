package dev.tokenstream.processor.streams;

import dev.tokenstream.events.StreamState;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The wall-clock sweeps of one task's {@link StreamTopology#STATE_STORE}: which running streams went silent past the
 * stall timeout, and which finished streams are past their retention. Keeps the ids of the running (started or
 * paused) streams beside the store, so the frequent stall sweep reads only those (the store also keeps every
 * finished stream for the retention); rebuilt from the store when the task starts.
 */
final class Sweeper {

    private final KeyValueStore<String, StreamProgress> states;
    private final Duration stallTimeout;
    private final Duration retainTerminal;
    private final Set<String> running = new HashSet<>();

    Sweeper(KeyValueStore<String, StreamProgress> states, Duration stallTimeout, Duration retainTerminal) {
        this.states = states;
        this.stallTimeout = stallTimeout;
        this.retainTerminal = retainTerminal;
        try (KeyValueIterator<String, StreamProgress> all = states.all()) {
            all.forEachRemaining(kv -> track(kv.key, kv.value));
        }
    }

    /**
     * Keeps the running set in step with a stream's state as it is written.
     *
     * @param id       the stream
     * @param progress its state as stored
     */
    void track(String id, StreamProgress progress) {
        if (progress.state == StreamState.STARTED || progress.state == StreamState.PAUSED) {
            running.add(id);
        } else {
            running.remove(id);
        }
    }

    /** Running streams at a sweep: those silent past the stall timeout, and how many others are active. */
    record Sweep(List<String> stalled, int active) {
    }

    /**
     * Reads the running streams only.
     *
     * @param nowMillis the processor's wall clock, epoch milliseconds
     * @return the stalled streams and the count of active ones
     */
    Sweep sweep(long nowMillis) {
        List<String> stalled = new ArrayList<>();
        int active = 0;
        for (String id : running) {
            StreamProgress progress = states.get(id);
            if (progress != null && nowMillis - progress.lastActivityMillis > stallTimeout.toMillis()) {
                stalled.add(id);
            } else if (progress != null) {
                active++;
            }
        }
        return new Sweep(stalled, active);
    }

    /**
     * A pass over the whole store.
     *
     * @param nowMillis the processor's wall clock, epoch milliseconds
     * @return the finished streams whose last activity is older than the retention
     */
    List<String> expired(long nowMillis) {
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, StreamProgress> all = states.all()) {
            all.forEachRemaining(kv -> {
                if (kv.value.state.isTerminal() && nowMillis - kv.value.lastActivityMillis > retainTerminal.toMillis()) {
                    expired.add(kv.key);
                }
            });
        }
        return expired;
    }
}
