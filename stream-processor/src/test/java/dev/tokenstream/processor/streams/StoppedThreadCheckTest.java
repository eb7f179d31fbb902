package dev.tokenstream.processor.streams;

import org.apache.kafka.streams.errors.TaskMigratedException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StoppedThreadCheckTest {

    @Test
    void shouldFenceATaskWhoseThreadStoodStillLongerThanTheSessionTimeout() throws Exception {
        var check = new StoppedThreadCheck(Duration.ofMillis(50));
        assertThatCode(() -> check.tick("0_1")).doesNotThrowAnyException();
        assertThatCode(() -> check.check("0_1")).doesNotThrowAnyException();

        TimeUnit.MILLISECONDS.sleep(120);

        assertThatThrownBy(() -> check.check("0_1")).isInstanceOf(TaskMigratedException.class)
                .hasMessageContaining("task 0_1").hasMessageContaining("stood still");
        assertThatThrownBy(() -> check.tick("0_1")).isInstanceOf(TaskMigratedException.class);
        // The tick that threw starts a new count: a task made again after the rejoin is not fenced twice.
        assertThatCode(() -> check.tick("0_1")).doesNotThrowAnyException();
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
