package dev.tokenstream.processor.streams;

import org.apache.kafka.streams.errors.TaskMigratedException;

import java.time.Duration;
import java.util.Map;

/**
 * Fences a task whose stream thread stood still longer than its consumer group keeps a silent member: a process
 * hung (SIGSTOP, a stuck disk, a starved VM) whose tasks the group gave to another instance meanwhile, and that
 * wakes where it stopped, in the middle of a batch.
 * <p>
 * Without it such a zombie finishes its batch and commits: the processor runs at-least-once, so nothing fences its
 * producer, and its stores' write at the commit ({@link WriteBehindStore}, the caches) would put the states it held
 * when it stopped into the changelogs <em>after</em> what the new owner wrote since. Its frames are the same records
 * handled from the same state, so delivery drops them as seqs it has (docs/design.md "Crash and restart"); the
 * stale states are not harmless: the next owner to restore them would see a stream as it was (seen on two local
 * instances, issue 29: four streams completed for their clients were restored at their 11th to 22nd token and
 * failed {@code stalled} two minutes later).
 * <p>
 * The stream thread punctuates (wall clock, every {@code processor.window-tick}, 10 ms) between processing and
 * committing, so {@link #tick} runs after a wake-up before the commit does, and {@link #check} before each record; a
 * gap longer than the session timeout since the last tick throws {@link TaskMigratedException}, which Kafka Streams handles by closing the thread's tasks without a
 * commit (their caches and staged states dropped) and rejoining the group. A healthy thread ticks every few
 * milliseconds; a false alarm (a thread that stood still that long and yet kept its membership) costs a rejoin and
 * the reprocessing of one commit interval, which is deterministic.
 */
final class StoppedThreadCheck {

    private static final Duration KAFKA_DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(45);

    private final long limitNanos;
    private long lastTickNanos = System.nanoTime();

    /** @param limit the longest gap between two ticks that leaves the task its own */
    StoppedThreadCheck(Duration limit) {
        this.limitNanos = limit.toNanos();
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
     * Called by the task's stream thread on each wall-clock punctuation.
     *
     * @param task the task, for the message
     * @throws TaskMigratedException when the thread stood still longer than the limit since the last tick
     */
    void tick(Object task) {
        long now = System.nanoTime();
        long gapNanos = now - lastTickNanos;
        lastTickNanos = now;
        failAfter(task, gapNanos);
    }

    /**
     * Called before each record: a thread that stopped in the middle of a batch goes no further with it.
     *
     * @param task the task, for the message
     * @throws TaskMigratedException when the thread stood still longer than the limit since the last tick
     */
    void check(Object task) {
        failAfter(task, System.nanoTime() - lastTickNanos);
    }

    private void failAfter(Object task, long gapNanos) {
        if (gapNanos > limitNanos) {
            throw new TaskMigratedException("task " + task + ": its stream thread stood still for " + gapNanos / 1_000_000
                    + " ms, longer than the group's session timeout (" + limitNanos / 1_000_000 + " ms): another "
                    + "instance may own the task now; closed without a commit, to rejoin the group");
        }
    }
}
