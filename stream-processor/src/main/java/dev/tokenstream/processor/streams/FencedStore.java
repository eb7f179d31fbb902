package dev.tokenstream.processor.streams;

import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A cached key-value store of the state machine's task that writes its cache to the changelog only while the task
 * may still own it: before each flush (a commit, and the flush Kafka Streams also makes when it closes a task dirty,
 * for instance from inside a poll that finds the member fenced) it asks the task's {@link StoppedThreadCheck}, which
 * on a process that stood still drops what every task of the thread held and throws {@code TaskMigratedException}.
 * <p>
 * Why a wrapper of every store rather than one check in the processor: the flush of a task's stores comes before
 * any record or punctuation of a woken thread when its poll learns first that the group moved on, and Kafka Streams
 * flushes a task's stores in no set order (a hash set of names), so each store asks before it writes. Issue 29's
 * processor hang (ScaleOutIT) failed on a store that was flushed unasked: a stream completed for its client and
 * restored as {@code STARTED}.
 *
 * @param <K> the key
 * @param <V> the value
 */
class FencedStore<K, V> extends WrappedStateStore<KeyValueStore<K, V>, K, V> implements KeyValueStore<K, V> {

    private volatile StoppedThreadCheck fence;
    private volatile Object task;

    FencedStore(KeyValueStore<K, V> store) {
        super(store);
    }

    /** @return a builder of the store that {@code inner} builds, fenced; every setting goes to the inner builder */
    static <K, V> StoreBuilder<KeyValueStore<K, V>> wrapping(StoreBuilder<KeyValueStore<K, V>> inner) {
        return new Builder<>(inner, FencedStore::new);
    }

    /**
     * The fenced store under the decorator Kafka Streams hands processors.
     *
     * @throws IllegalStateException when the store was not built by {@link #wrapping} (or a subclass's builder)
     */
    @SuppressWarnings("unchecked")
    static <S extends FencedStore<?, ?>> S of(StateStore store, Class<S> type) {
        StateStore unwrapped = store;
        while (!type.isInstance(unwrapped) && unwrapped instanceof WrappedStateStore<?, ?, ?> wrapper) {
            unwrapped = wrapper.wrapped();
        }
        if (type.isInstance(unwrapped)) {
            return (S) unwrapped;
        }
        throw new IllegalStateException("store " + store.name() + " is not a " + type.getSimpleName());
    }

    /**
     * Makes every later flush ask {@code check} first; called by the task's processor in its {@code init}.
     *
     * @param task the task, for the check's message
     */
    void fenceWith(StoppedThreadCheck check, Object task) {
        this.task = task;
        this.fence = check;
    }

    /** Asks the task's check before the cache goes to the changelog. */
    @Override
    public void flushCache() {
        askFence();
        beforeFlush();
        super.flushCache();
    }

    /** What a subclass writes to the store below before its cache is flushed; nothing here. */
    protected void beforeFlush() {
    }

    @Override
    public void flush() {
        askFence();
        super.flush();
    }

    private void askFence() {
        StoppedThreadCheck check = fence;
        if (check != null) {
            check.check(task);
        }
    }

    @Override
    public void put(K key, V value) {
        wrapped().put(key, value);
    }

    @Override
    public V putIfAbsent(K key, V value) {
        return wrapped().putIfAbsent(key, value);
    }

    @Override
    public void putAll(List<KeyValue<K, V>> entries) {
        wrapped().putAll(entries);
    }

    @Override
    public V delete(K key) {
        return wrapped().delete(key);
    }

    @Override
    public V get(K key) {
        return wrapped().get(key);
    }

    @Override
    public KeyValueIterator<K, V> range(K from, K to) {
        return wrapped().range(from, to);
    }

    @Override
    public KeyValueIterator<K, V> reverseRange(K from, K to) {
        return wrapped().reverseRange(from, to);
    }

    @Override
    public KeyValueIterator<K, V> all() {
        return wrapped().all();
    }

    @Override
    public KeyValueIterator<K, V> reverseAll() {
        return wrapped().reverseAll();
    }

    @Override
    public <PS extends Serializer<P>, P> KeyValueIterator<K, V> prefixScan(P prefix, PS prefixKeySerializer) {
        return wrapped().prefixScan(prefix, prefixKeySerializer);
    }

    @Override
    public long approximateNumEntries() {
        return wrapped().approximateNumEntries();
    }

    /** Builds the store its inner builder builds, and wraps it; every setting goes to the inner builder. */
    static final class Builder<K, V> implements StoreBuilder<KeyValueStore<K, V>> {

        private final StoreBuilder<KeyValueStore<K, V>> inner;
        private final Function<KeyValueStore<K, V>, ? extends FencedStore<K, V>> wrap;

        Builder(StoreBuilder<KeyValueStore<K, V>> inner, Function<KeyValueStore<K, V>, ? extends FencedStore<K, V>> wrap) {
            this.inner = inner;
            this.wrap = wrap;
        }

        @Override
        public StoreBuilder<KeyValueStore<K, V>> withCachingEnabled() {
            inner.withCachingEnabled();
            return this;
        }

        @Override
        public StoreBuilder<KeyValueStore<K, V>> withCachingDisabled() {
            inner.withCachingDisabled();
            return this;
        }

        @Override
        public StoreBuilder<KeyValueStore<K, V>> withLoggingEnabled(Map<String, String> config) {
            inner.withLoggingEnabled(config);
            return this;
        }

        @Override
        public StoreBuilder<KeyValueStore<K, V>> withLoggingDisabled() {
            inner.withLoggingDisabled();
            return this;
        }

        @Override
        public KeyValueStore<K, V> build() {
            return wrap.apply(inner.build());
        }

        @Override
        public Map<String, String> logConfig() {
            return inner.logConfig();
        }

        @Override
        public boolean loggingEnabled() {
            return inner.loggingEnabled();
        }

        @Override
        public String name() {
            return inner.name();
        }
    }
}
