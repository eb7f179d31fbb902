package dev.tokenstream.control.messaging;

import dev.tokenstream.api.ProcessorApi;
import dev.tokenstream.control.config.ControlConfig;
import dev.tokenstream.control.problem.ProblemException;
import dev.tokenstream.events.TenantUsage;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.inject.Vetoed;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The quota check's reading of a tenant's usage: shared by the starts within its max age, with the starts admitted
 * meanwhile added. The processor's answers come from a counting implementation of its query interface; the REST
 * path itself is covered by {@code StreamsResourceTest} against the stand-in processor.
 */
class TenantQuotasTest {

    private static final String TENANT = "acme";

    /** Answers every usage query with {@code usage} (or fails when it is null), after {@code delay}, and counts. */
    @Vetoed // not a bean of the Quarkus tests of this module
    private static final class Processor implements ProcessorApi {

        private final AtomicInteger queries = new AtomicInteger();
        private final TenantUsage usage;
        private final Duration delay;

        Processor(TenantUsage usage, Duration delay) {
            this.usage = usage;
            this.delay = delay;
        }

        @Override
        public Uni<Response> stats(String id) {
            throw new UnsupportedOperationException("not a quota query");
        }

        @Override
        public Uni<TenantUsage> usage(String tenant) {
            return Uni.createFrom().deferred(() -> {
                queries.incrementAndGet();
                return usage == null ? Uni.createFrom().failure(new IllegalStateException("processor restarting"))
                        : delay.isZero() ? Uni.createFrom().item(usage)
                        : Uni.createFrom().item(usage).onItem().delayIt().by(delay);
            });
        }
    }

    /** The clock the readings age by, moved by the tests. */
    private final AtomicLong nanos = new AtomicLong();

    /** @param maxAge ISO-8601 (plain SmallRye Config has no Quarkus duration converter) */
    private TenantQuotas quotas(Processor processor, String maxAge) {
        ControlConfig config = new SmallRyeConfigBuilder().withMapping(ControlConfig.class)
                .withSources(new PropertiesConfigSource(Map.of("control.quotas.max-concurrent-streams", "3",
                        "control.quotas.usage-max-age", maxAge), "test", 100))
                .build().getConfigMapping(ControlConfig.class);
        return new TenantQuotas(processor, config, nanos::get);
    }

    private static TenantUsage running(int streams) {
        return new TenantUsage(TENANT, streams, System.currentTimeMillis(), streams, 0);
    }

    @Test
    void shouldCountTheStartsItAdmitsOnOneReadingAndRefuseTheOneThatPassesTheLimit() {
        var processor = new Processor(running(1), Duration.ZERO);
        TenantQuotas quotas = quotas(processor, "PT10M");

        quotas.admit(TENANT, 1).await().indefinitely();
        // A merge group of two would make four: refused, and not counted.
        assertThatThrownBy(() -> quotas.admit(TENANT, 2).await().indefinitely())
                .isInstanceOf(ProblemException.class).hasMessageContaining("runs 2 streams; at most 3 at once");
        quotas.admit(TENANT, 1).await().indefinitely();
        assertThatThrownBy(() -> quotas.admit(TENANT, 1).await().indefinitely())
                .isInstanceOf(ProblemException.class).hasMessageContaining("runs 3 streams");
        assertThat(processor.queries).as("one query for the four starts").hasValue(1);
    }

    @Test
    void shouldShareOneQueryBetweenStartsCheckedAtOnce() {
        var processor = new Processor(running(0), Duration.ofMillis(200));
        TenantQuotas quotas = quotas(processor, "PT10M");

        List<Uni<Void>> starts = List.of(quotas.admit(TENANT, 1), quotas.admit(TENANT, 1), quotas.admit(TENANT, 1),
                quotas.admit(TENANT, 1));
        var outcomes = Uni.join().all(starts.stream().map(start -> start.map(ok -> "admitted")
                .onFailure(ProblemException.class).recoverWithItem("refused")).toList()).andFailFast()
                .await().atMost(Duration.ofSeconds(5));

        assertThat(outcomes).containsExactlyInAnyOrder("admitted", "admitted", "admitted", "refused");
        assertThat(processor.queries).hasValue(1);
    }

    @Test
    void shouldAskTheProcessorForEveryStartWithAMaxAgeOfZero() {
        var processor = new Processor(running(2), Duration.ZERO);
        TenantQuotas quotas = quotas(processor, "PT0S");

        // Each start reads 2 running of 3 afresh (the stand-in's count does not grow): all five are admitted.
        for (int i = 0; i < 5; i++) {
            quotas.admit(TENANT, 1).await().indefinitely();
        }
        assertThat(processor.queries).hasValue(5);
    }

    @Test
    void shouldLetStartsThroughWhileTheProcessorCannotAnswerAndAskAgainOnlyAfterTheMaxAge() {
        var processor = new Processor(null, Duration.ZERO);
        TenantQuotas quotas = quotas(processor, "PT0.2S");

        for (int i = 0; i < 5; i++) {
            quotas.admit(TENANT, 1).await().indefinitely();
        }
        assertThat(processor.queries).hasValue(1);
        nanos.addAndGet(Duration.ofMillis(199).toNanos());
        quotas.admit(TENANT, 1).await().indefinitely();
        assertThat(processor.queries).as("still within the max age").hasValue(1);
        nanos.addAndGet(Duration.ofMillis(1).toNanos());
        quotas.admit(TENANT, 1).await().indefinitely();
        assertThat(processor.queries).hasValue(2);
    }
}
