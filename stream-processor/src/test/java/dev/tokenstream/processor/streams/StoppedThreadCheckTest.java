package dev.tokenstream.processor.streams;

import org.apache.kafka.streams.errors.TaskMigratedException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StoppedThreadCheckTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final StoppedThreadCheck.PauseWatch watch = new StoppedThreadCheck.PauseWatch();
    private final AtomicInteger fenced = new AtomicInteger();

    @Test
    void shouldFenceATaskWhenTheProcessStoodStillLongerThanTheSessionTimeout() throws Exception {
        var check = new StoppedThreadCheck(Duration.ofSeconds(1), watch, fenced::incrementAndGet);
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
        var next = new StoppedThreadCheck(Duration.ofSeconds(1), watch, fenced::incrementAndGet);
        watch.beat(System.nanoTime());
        assertThatCode(() -> next.tick("0_1")).doesNotThrowAnyException();
    }

    @Test
    void shouldFenceBeforeTheWatchHasBeatenAgainAfterAWakeUp() throws Exception {
        var check = new StoppedThreadCheck(Duration.ofMillis(50), watch, fenced::incrementAndGet);
        watch.beat(System.nanoTime());
        check.tick("0_2");
        // The watch has not beaten for longer than the limit: as far as it knows, the process stands still.
        TimeUnit.MILLISECONDS.sleep(120);
        assertThatThrownBy(() -> check.tick("0_2")).isInstanceOf(TaskMigratedException.class);
    }

    @Test
    void shouldLeaveATaskWhoseThreadWasBusyOrRebalancingWhileTheProcessRan() {
        var check = new StoppedThreadCheck(Duration.ofSeconds(1), watch, fenced::incrementAndGet);
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
    void shouldReadTheMainConsumersSessionTimeoutFromTheStreamsConfiguration() {
        assertThat(StoppedThreadCheck.sessionTimeout(Map.of("consumer.session.timeout.ms", "1000")))
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(StoppedThreadCheck.sessionTimeout(Map.of("main.consumer.session.timeout.ms", 2500,
                "consumer.session.timeout.ms", "1000"))).isEqualTo(Duration.ofMillis(2500));
        assertThat(StoppedThreadCheck.sessionTimeout(Map.of())).as("Kafka's default").isEqualTo(Duration.ofSeconds(45));
    }
}
