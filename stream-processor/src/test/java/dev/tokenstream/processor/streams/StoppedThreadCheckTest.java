package dev.tokenstream.processor.streams;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.errors.TaskMigratedException;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StoppedThreadCheckTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final StoppedThreadCheck.PauseWatch watch = new StoppedThreadCheck.PauseWatch();
    private final AtomicInteger fenced = new AtomicInteger();
    private final List<StoppedThreadCheck> checks = new ArrayList<>();

    @AfterEach
    void closeChecks() {
        checks.forEach(StoppedThreadCheck::close);
    }

    /** @return a check of a task of this thread, closed after the test */
    private StoppedThreadCheck check(Duration limit, Runnable onFenced) {
        var check = new StoppedThreadCheck(limit, watch, onFenced);
        checks.add(check);
        return check;
    }

    @Test
    void shouldFenceATaskWhenTheProcessStoodStillLongerThanTheSessionTimeout() throws Exception {
        var check = check(Duration.ofSeconds(1), fenced::incrementAndGet);
        check.tick("0_1");
        long ticked = System.nanoTime();

        // The watch's beat before this one was 30 s ago: the process stood still (a SIGSTOP, then SIGCONT), and the
        // pause ended after the task's last tick.
        watch.beat(ticked - 30 * SECOND);
        TimeUnit.MILLISECONDS.sleep(2);
        watch.beat(System.nanoTime());

        assertThatThrownBy(() -> check.check("0_1")).isInstanceOf(TaskMigratedException.class)
                .hasMessageContaining("task 0_1").hasMessageContaining("stood still");
        assertThat(fenced).as("what the task held is dropped first").hasValue(1);
        // A task made after the rejoin (its first tick after the pause) is not fenced by it.
        var next = check(Duration.ofSeconds(1), fenced::incrementAndGet);
        watch.beat(System.nanoTime());
        assertThatCode(() -> next.tick("0_1")).doesNotThrowAnyException();
    }

    @Test
    void shouldFenceBeforeTheWatchHasBeatenAgainAfterAWakeUp() throws Exception {
        var check = check(Duration.ofMillis(50), fenced::incrementAndGet);
        watch.beat(System.nanoTime());
        check.tick("0_2");
        // The watch has not beaten for longer than the limit: as far as it knows, the process stands still.
        TimeUnit.MILLISECONDS.sleep(120);
        assertThatThrownBy(() -> check.tick("0_2")).isInstanceOf(TaskMigratedException.class);
    }

    @Test
    void shouldLeaveATaskWhoseThreadWasBusyOrRebalancingWhileTheProcessRan() {
        var check = check(Duration.ofSeconds(1), fenced::incrementAndGet);
        long now = System.nanoTime();
        watch.beat(now);
        check.tick("0_3");
        // The stream thread did not tick for seconds (a poll blocked in a rebalance), but the watch beat throughout.
        for (int i = 1; i <= 30; i++) {
            watch.beat(now + i * TimeUnit.MILLISECONDS.toNanos(StoppedThreadCheck.BEAT_MILLIS));
        }
        assertThatCode(() -> check.check("0_3")).doesNotThrowAnyException();
        assertThat(fenced).hasValue(0);
    }

    @Test
    void shouldDropWhatEveryTaskOfTheThreadHeldWhenOneOfThemIsFenced() throws Exception {
        var other = new AtomicInteger();
        var first = check(Duration.ofSeconds(1), fenced::incrementAndGet);
        check(Duration.ofSeconds(1), fenced::incrementAndGet);
        check(Duration.ofSeconds(1), fenced::incrementAndGet).close();
        // A task of another stream thread is that thread's to fence.
        var elsewhere = new AtomicReference<StoppedThreadCheck>();
        Thread thread = new Thread(() -> elsewhere.set(new StoppedThreadCheck(Duration.ofSeconds(1), watch,
                other::incrementAndGet)));
        thread.start();
        thread.join();
        first.tick("0_0");
        watch.beat(System.nanoTime() - 30 * SECOND);
        watch.beat(System.nanoTime());

        assertThatThrownBy(() -> first.check("0_0")).isInstanceOf(TaskMigratedException.class);
        assertThat(fenced).as("both open tasks of this thread, before the thread closes them (which flushes)")
                .hasValue(2);
        assertThat(other).hasValue(0);
    }

    @Test
    void shouldWriteNothingAFencedTaskStagedOrCached() throws Exception {
        var store = (WriteBehindStore) WriteBehindStore.builder(Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore("stream-state"), Serdes.String(), new StreamProgressSerde()))
                .withLoggingDisabled().build();
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
        var check = check(Duration.ofSeconds(1), store::clearCache);
        store.fenceWith(check, "0_4");
        check.tick("0_4");
        store.stage("s1", StreamProgress.requested(1_000));
        // The process stops here, and wakes 30 s later: its thread's first act is a commit, or closing the task
        // dirty after a poll found the member gone; either flushes the cache.
        watch.beat(System.nanoTime() - 30 * SECOND);
        watch.beat(System.nanoTime());

        assertThatThrownBy(store::flushCache).isInstanceOf(TaskMigratedException.class)
                .hasMessageContaining("task 0_4");
        assertThat(store.staged("s1")).isNull();
        assertThat(store.get("s1")).as("nothing written below").isNull();
    }

    @Test
    void shouldReadTheMainConsumersSessionTimeoutFromTheStreamsConfiguration() {
        assertThat(StoppedThreadCheck.sessionTimeout(Map.of("consumer.session.timeout.ms", "1000")))
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(StoppedThreadCheck.sessionTimeout(Map.of("main.consumer.session.timeout.ms", 2500,
                "consumer.session.timeout.ms", "1000"))).isEqualTo(Duration.ofMillis(2500));
        assertThat(StoppedThreadCheck.sessionTimeout(Map.of())).as("Kafka's default").isEqualTo(Duration.ofSeconds(45));
    }
}
