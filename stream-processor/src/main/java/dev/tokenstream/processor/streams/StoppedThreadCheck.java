package dev.tokenstream.processor.streams;

import org.apache.kafka.streams.errors.TaskMigratedException;

import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Fences a task of a process that stood still longer than its consumer group keeps a silent member: a process hung
 * (SIGSTOP, a stuck disk, a starved VM, a long GC pause) whose tasks the group gave to another instance meanwhile,
 * and that wakes where it stopped, in the middle of a batch.
 * <p>
 * Without it such a zombie goes on with its batch and commits: the processor runs at-least-once, so nothing fences
 * its producer, and its stores' write at the commit ({@link WriteBehindStore}, the caches; Kafka Streams also
 * flushes them when it closes a task dirty) would put the states it held when it stopped into the changelogs
 * <em>after</em> what the new owner wrote since. Its frames are the same records handled from the same state, so
 * delivery drops them as seqs it has (docs/design.md "Crash and restart"); the stale states are not harmless: the
 * next owner to restore them sees a stream as it was (seen on two local instances, issue 29: four streams,
 * completed for their clients, restored at their 11th to 22nd token and failed {@code stalled} two minutes later).
 * <p>
 * How a pause is told from a busy or rebalancing stream thread (which may block in a poll for seconds, and keeps
 * its membership: the consumer heartbeats on a thread of its own): a daemon thread of the process
 * ({@link #WATCH}) wakes every {@value #BEAT_MILLIS} ms and notes when it did and any gap between its beats longer
 * than it slept for; it misses beats only when the whole process stood still. A task asks before each record
 * ({@link #check}) and on each wall-clock punctuation ({@link #tick}, every {@code processor.window-tick}, between
 * processing and committing) whether the process stood still longer than the session timeout since the task last
 * ticked, or stands still as far as the watch knows (it has not beaten for that long: the first question after a
 * wake-up may come before the watch's); so does each of its stores before it writes its cache ({@link FencedStore}),
 * since a woken thread's poll may close its tasks dirty, which flushes their caches, before any record or
 * punctuation. If so, the caches and staged states of <em>every</em> task of the thread are dropped (each one's
 * {@code onFenced}: the thread closes them all, and closing flushes) and {@link TaskMigratedException} is thrown:
 * Kafka Streams closes the thread's tasks without a commit and rejoins the group. Not covered: the records the thread
 * had handed its producer, or was writing, at the very instant it stopped, which it sends when it wakes; only
 * exactly-once processing fences those (its transactions), at four times the added latency per token. A false alarm (a process paused that long that kept its membership) costs a rejoin
 * and the reprocessing of one commit interval, which is deterministic.
 */
final class StoppedThreadCheck {

    private static final Duration KAFKA_DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(45);
    static final long BEAT_MILLIS = 100;
    /** The process's one watch, started by the first task. */
    static final PauseWatch WATCH = new PauseWatch();

    /** The checks of the tasks of each stream thread, fenced together: a thread closes all its tasks at once. */
    private static final ThreadLocal<Set<StoppedThreadCheck>> THREAD_TASKS =
            ThreadLocal.withInitial(() -> Collections.newSetFromMap(new IdentityHashMap<>()));

    private final long limitNanos;
    private final PauseWatch watch;
    private final Runnable onFenced;
    private long lastTickNanos = System.nanoTime();

    /**
     * @param limit    the longest pause of the process that leaves the task its own (the session timeout)
     * @param watch    the process's pause watch
     * @param onFenced drops what the task would otherwise write when it is closed (its caches, staged states)
     *                 when it or another task of the calling (stream) thread is fenced; {@link #close} forgets it
     */
    StoppedThreadCheck(Duration limit, PauseWatch watch, Runnable onFenced) {
        this.limitNanos = limit.toNanos();
        this.watch = watch;
        this.onFenced = onFenced;
        THREAD_TASKS.get().add(this);
    }

    /** Forgets the task; called on its stream thread when the task closes. */
    void close() {
        THREAD_TASKS.get().remove(this);
    }

    /**
     * The main consumer's session timeout, as Kafka Streams' configuration gives it
     * ({@code main.consumer.session.timeout.ms}, {@code consumer.session.timeout.ms} or {@code session.timeout.ms}).
     *
     * @param appConfigs the application's configuration ({@code ProcessorContext.appConfigs()})
     * @return the session timeout; Kafka's default (45 s) when none is set
     */
    static Duration sessionTimeout(Map<String, Object> appConfigs) {
        for (String key : new String[] {"main.consumer.session.timeout.ms", "consumer.session.timeout.ms",
                "session.timeout.ms"}) {
            Object value = appConfigs.get(key);
            if (value != null) {
                return Duration.ofMillis(Long.parseLong(value.toString().trim()));
            }
        }
        return KAFKA_DEFAULT_SESSION_TIMEOUT;
    }

    /**
     * Called by the task's stream thread on each wall-clock punctuation: {@link #check}, then notes the task ran.
     *
     * @param task the task, for the message
     * @throws TaskMigratedException when the process stood still longer than the limit
     */
    void tick(Object task) {
        check(task);
        lastTickNanos = System.nanoTime();
    }

    /**
     * Called before each record and before a store of the task writes its cache: a process that stopped in the middle
     * of a batch goes no further with it, and writes nothing it held. When it throws, every task of this thread has
     * dropped what it held.
     *
     * @param task the task, for the message
     * @throws TaskMigratedException when the process stood still longer than the limit since the task last ticked
     */
    void check(Object task) {
        long now = System.nanoTime();
        long stoodStillNanos = Math.max(now - watch.lastBeatNanos(), watch.pauseEndedAfter(lastTickNanos));
        if (stoodStillNanos > limitNanos) {
            List.copyOf(THREAD_TASKS.get()).forEach(thisThreads -> thisThreads.onFenced.run());
            throw new TaskMigratedException("task " + task + ": the process stood still for "
                    + TimeUnit.NANOSECONDS.toMillis(stoodStillNanos) + " ms, longer than the group's session timeout ("
                    + TimeUnit.NANOSECONDS.toMillis(limitNanos) + " ms): another instance may own the task now; closed "
                    + "without writing what it held, to rejoin the group");
        }
    }

    /** A daemon thread that notes when the process stood still; one per process, shared by every task. */
    static final class PauseWatch {

        private volatile long lastBeatNanos = System.nanoTime();
        private volatile long pauseEndNanos;
        private volatile long pauseNanos;
        private volatile boolean started;

        /** @return when the watch last beat ({@link System#nanoTime}) */
        long lastBeatNanos() {
            return lastBeatNanos;
        }

        /** @return how long the process stood still in the last pause the watch saw end after {@code since}; 0 if none */
        long pauseEndedAfter(long since) {
            return pauseEndNanos - since > 0 ? pauseNanos : 0;
        }

        /** Records a beat at {@code nowNanos}, as the watch's thread does after each sleep; visible for tests. */
        void beat(long nowNanos) {
            long gap = nowNanos - lastBeatNanos - TimeUnit.MILLISECONDS.toNanos(BEAT_MILLIS);
            if (gap > TimeUnit.MILLISECONDS.toNanos(BEAT_MILLIS)) {
                pauseNanos = gap;
                pauseEndNanos = nowNanos;
            }
            lastBeatNanos = nowNanos;
        }

        /** Starts the watch's thread, once; called by every task as it starts. */
        synchronized void start() {
            if (started) {
                return;
            }
            lastBeatNanos = System.nanoTime();
            Thread thread = new Thread(() -> {
                while (true) {
                    try {
                        TimeUnit.MILLISECONDS.sleep(BEAT_MILLIS);
                    } catch (InterruptedException e) {
                        return;
                    }
                    beat(System.nanoTime());
                }
            }, "tokenstream-pause-watch");
            thread.setDaemon(true);
            thread.start();
            started = true;
        }
    }
}
