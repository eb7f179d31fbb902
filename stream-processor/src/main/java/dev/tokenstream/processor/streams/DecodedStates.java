package dev.tokenstream.processor.streams;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One task's {@link StreamTopology#STATE_STORE} as its processor uses it: the open streams' states kept decoded, and
 * written behind ({@link WriteBehindStore}): a state is decoded from the store once, not at every token, and
 * encoded into the store once per commit, not at every change.
 * <p>
 * Measured (JFR, 100 streams of {@code sim-bench}, 2026-12-07): decoding the state on every token was 14.6 % of the
 * processor's samples, encoding it on every event 9 to 21 %.
 * <p>
 * {@link #put} stages a copy of the state as written; the caller goes on changing the one it holds. So a state
 * that was read and changed but not written back (an input rejected half-way, an exception the dead-letter handler
 * lets processing go on after) is dropped with {@link #forget} (every one with {@link #clear} after an exception)
 * and read again as last written, from the staged copy or the store, exactly as when every write went to the store.
 * The processor makes a new one at each (re)initialisation of its task, since Kafka Streams may restore a task's
 * stores to an older commit under the same processor. Finished streams are not kept decoded (they are rarely read
 * again), and at most {@value #MAX_DECODED} streams are (least recently used dropped first). Used by the task's
 * stream thread only.
 */
final class DecodedStates {

    static final int MAX_DECODED = 10_000;

    private final WriteBehindStore store;
    private final Map<String, StreamProgress> decoded = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, StreamProgress> eldest) {
            return size() > MAX_DECODED;
        }
    };

    DecodedStates(WriteBehindStore store) {
        this.store = store;
    }

    /**
     * @return the stream's state as last written, decoded from the store only when neither held nor staged; null
     * when there is none. An open stream's is the one held, which the caller may change and {@link #put}.
     */
    StreamProgress get(String id) {
        StreamProgress progress = decoded.get(id);
        if (progress == null) {
            StreamProgress staged = store.staged(id);
            progress = staged != null ? staged.copy() : store.get(id);
            if (progress != null && !progress.lifecycle().isTerminal()) {
                decoded.put(id, progress);
            }
        }
        return progress;
    }

    /** Stages a copy of the stream's state for the next commit, and keeps it decoded while the stream is open. */
    void put(String id, StreamProgress progress) {
        store.stage(id, progress.copy());
        if (progress.lifecycle().isTerminal()) {
            decoded.remove(id);
        } else {
            decoded.put(id, progress);
        }
    }

    /** Deletes the stream's state. */
    void delete(String id) {
        decoded.remove(id);
        store.delete(id);
    }

    /** Drops the held state, which may have changed without being written: the next read gets it as last written. */
    void forget(String id) {
        decoded.remove(id);
    }

    /** Drops every held state (the staged ones stay). */
    void clear() {
        decoded.clear();
    }
}
