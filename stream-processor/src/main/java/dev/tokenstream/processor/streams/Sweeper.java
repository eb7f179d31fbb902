package dev.tokenstream.processor.streams;

import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The wall-clock sweeps of one task's {@link StreamTopology#STATE_STORE}: which open streams are past one of their
 * bounds (a started stream silent past the stall timeout, a paused one paused past the longest pause, a requested one
 * not started by the deadline), and which finished streams are past their retention. Keeps the ids of the open
 * (requested, started or paused) streams beside the store, so the frequent sweep reads only those (the store also
 * keeps every finished stream for the retention); rebuilt from the store when the task starts.
 */
final class Sweeper {

    private final KeyValueStore<String, StreamProgress> states;
    private final Function<String, StreamProgress> openState;
    private final StreamTopology.Settings settings;
    private final Set<String> open = new HashSet<>();

    /**
     * @param states    the task's store, read whole at the start and at each expiry pass
     * @param openState an open stream's state as the task holds it (decoded: reading each from the store at every
     *                  sweep was 4 % of the processor's samples at 100 streams)
     */
    Sweeper(KeyValueStore<String, StreamProgress> states, Function<String, StreamProgress> openState,
            StreamTopology.Settings settings) {
        this.states = states;
        this.openState = openState;
        this.settings = settings;
        try (KeyValueIterator<String, StreamProgress> all = states.all()) {
            all.forEachRemaining(kv -> track(kv.key, kv.value));
        }
    }

    /**
     * Keeps the open set in step with a stream's state as it is written.
     *
     * @param id       the stream
     * @param progress its state as stored
     */
    void track(String id, StreamProgress progress) {
        if (progress.lifecycle().isTerminal()) {
            open.remove(id);
        } else {
            open.add(id);
        }
    }

    /**
     * Open streams at a sweep.
     *
     * @param stalled      started streams silent past the stall timeout
     * @param pauseExpired streams paused longer than the longest pause
     * @param notStarted   requested streams with no event by the start deadline
     * @param active       started or paused streams within their bounds
     */
    record Sweep(List<String> stalled, List<String> pauseExpired, List<String> notStarted, int active) {
    }

    /**
     * Reads the open streams only.
     *
     * @param nowMillis the processor's wall clock, epoch milliseconds
     * @return the streams past a bound, and the count of active ones
     */
    Sweep sweep(long nowMillis) {
        List<String> stalled = new ArrayList<>();
        List<String> pauseExpired = new ArrayList<>();
        List<String> notStarted = new ArrayList<>();
        int active = 0;
        for (String id : open) {
            StreamProgress progress = openState.apply(id);
            if (progress == null) {
                continue;
            }
            switch (progress.lifecycle().state()) {
                case REQUESTED -> {
                    if (nowMillis - progress.lifecycle().lastActivityMillis() > settings.bounds().startDeadline().toMillis()) {
                        notStarted.add(id);
                    }
                }
                case PAUSED -> {
                    if (nowMillis - progress.pause().pausedSinceMillis() > settings.bounds().maxPause().toMillis()) {
                        pauseExpired.add(id);
                    } else {
                        active++;
                    }
                }
                default -> {
                    if (nowMillis - progress.lifecycle().lastActivityMillis() > settings.bounds().stallTimeout().toMillis()) {
                        stalled.add(id);
                    } else {
                        active++;
                    }
                }
            }
        }
        return new Sweep(stalled, pauseExpired, notStarted, active);
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
                Lifecycle lifecycle = kv.value.lifecycle();
                if (lifecycle.isTerminal()
                        && nowMillis - lifecycle.lastActivityMillis() > settings.bounds().retainTerminal().toMillis()) {
                    expired.add(kv.key);
                }
            });
        }
        return expired;
    }
}
