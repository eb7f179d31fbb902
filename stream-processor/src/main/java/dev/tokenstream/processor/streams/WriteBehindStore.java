package dev.tokenstream.processor.streams;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link StreamTopology#STATE_STORE} written behind: {@link #stage} holds a stream's state, encoded and written to
 * the store below (its cache, then its changelog) only when the task commits, once per stream however many events
 * changed it since the last commit.
 * <p>
 * Measured (JFR, 100 streams of {@code sim-bench}, 2026-12-07): encoding the state and putting it into the cache on
 * every event was 9 to 21 % of the processor's samples, all on its one stream thread.
 * <p>
 * <b>When.</b> Kafka Streams 4.3 prepares a task's commit by flushing the caches of its stores
 * ({@code CachedStateStore.flushCache}, which this class, the root store of its wrapping, answers by asking the task's
 * fence first ({@link FencedStore}) and then writing what it staged) and then the
 * producer, and commits the input offsets after both: the staged states reach the changelog in the same commit as
 * the offsets of the events that made them, as a per-event write did, so a crash restores the state, the pause buffer
 * and the merge groups to one consistent point (docs/design.md "Crash and restart"). A crash before the commit loses
 * the staged states with the uncommitted offsets, and the events are processed again. That hook is Kafka Streams'
 * internal API ({@code org.apache.kafka.streams.state.internals}); {@code StreamTopologyTest} and the crash tests
 * fail if a new version stops calling it.
 * <p>
 * <b>Reads.</b> {@link #get} answers with the staged state when there is one, else from the store below, so an
 * interactive query sees every event's change as soon as it is staged, as it saw the cache's before: a client that
 * got a stream's last frame and asks its status at once is told it ended. The scans ({@link #all}, {@link #range})
 * read the store below, as of the last commit. A {@link #put} or {@link #delete} goes to the store at once and drops
 * what was staged for the key. Staged states are dropped when the task's stores are closed or its caches cleared (a
 * task closed dirty, recycled or restored), as the cache's entries are.
 * <p>
 * Written by the task's stream thread only; {@link #get} is also called by interactive queries on other threads,
 * which is safe because a staged state is never changed after {@link #stage} (the map is concurrent, and a state
 * leaves it only after it is in the store below).
 */
final class WriteBehindStore extends FencedStore<String, StreamProgress> {

    private final Map<String, StreamProgress> staged = new ConcurrentHashMap<>();

    WriteBehindStore(KeyValueStore<String, StreamProgress> store) {
        super(store);
    }

    /**
     * The task's write-behind view of its {@link StreamTopology#STATE_STORE}, under the decorator Kafka Streams hands
     * processors.
     *
     * @throws IllegalStateException when the store was not built by {@link #builder}
     */
    static WriteBehindStore of(StateStore store) {
        return FencedStore.of(store, WriteBehindStore.class);
    }

    /** @return a builder of the store that {@code inner} builds, written behind (and fenced) */
    static StoreBuilder<KeyValueStore<String, StreamProgress>> builder(
            StoreBuilder<KeyValueStore<String, StreamProgress>> inner) {
        return new Builder<>(inner, WriteBehindStore::new);
    }

    /**
     * Holds {@code progress} to be written at the next commit. The caller must not change it afterwards (stage a
     * copy of a state it goes on changing).
     */
    void stage(String key, StreamProgress progress) {
        staged.put(key, progress);
    }

    /** @return the state staged for the next commit, or null when none is */
    StreamProgress staged(String key) {
        return staged.get(key);
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        staged.clear();
        super.init(context, root);
    }

    /** Writes each staged state to the store below (then unstages it: a query reads one or the other). */
    @Override
    protected void beforeFlush() {
        for (var it = staged.entrySet().iterator(); it.hasNext();) {
            var entry = it.next();
            wrapped().put(entry.getKey(), entry.getValue());
            it.remove();
        }
    }

    @Override
    public void clearCache() {
        staged.clear();
        super.clearCache();
    }

    @Override
    public void close() {
        staged.clear();
        super.close();
    }

    @Override
    public void put(String key, StreamProgress value) {
        staged.remove(key);
        wrapped().put(key, value);
    }

    @Override
    public StreamProgress putIfAbsent(String key, StreamProgress value) {
        StreamProgress pending = staged.remove(key);
        if (pending != null) {
            wrapped().put(key, pending);
        }
        return wrapped().putIfAbsent(key, value);
    }

    @Override
    public void putAll(List<KeyValue<String, StreamProgress>> entries) {
        entries.forEach(entry -> staged.remove(entry.key));
        wrapped().putAll(entries);
    }

    @Override
    public StreamProgress delete(String key) {
        StreamProgress pending = staged.remove(key);
        StreamProgress stored = wrapped().delete(key);
        return pending != null ? pending : stored;
    }

    /** @return the staged state (which the caller must not change), else the stored one; null when neither is */
    @Override
    public StreamProgress get(String key) {
        StreamProgress pending = staged.get(key);
        return pending != null ? pending : wrapped().get(key);
    }
}
