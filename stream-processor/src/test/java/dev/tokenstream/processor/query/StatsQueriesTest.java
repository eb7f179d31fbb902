package dev.tokenstream.processor.query;

import dev.tokenstream.testsupport.TestKeys;
import dev.tokenstream.processor.streams.StreamTopology;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Queries of stores that are not queryable are retried, boundedly, then refused as not ready. */
class StatsQueriesTest {

    @Test
    void shouldGiveUpAfterBoundedRetriesWhileKafkaStreamsIsNotRunning() {
        var props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "stats-queries-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:1");
        try (var streams = new KafkaStreams(StreamTopology.build(StreamTopology.Settings.defaults()), props)) {
            var queries = new StatsQueries(streams, "localhost:8082", TestKeys.SERVICE.text());

            long start = System.nanoTime();
            assertThatThrownBy(() -> queries.stream("s1", false))
                    .isInstanceOf(StatsQueries.NotReadyException.class).hasMessageContaining("CREATED");
            long waitedMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(waitedMillis).as("%d retries %d ms apart", StatsQueries.ATTEMPTS, StatsQueries.RETRY_MILLIS)
                    .isGreaterThanOrEqualTo((StatsQueries.ATTEMPTS - 1) * StatsQueries.RETRY_MILLIS);
            assertThatThrownBy(() -> queries.models(0, true)).isInstanceOf(StatsQueries.NotReadyException.class);
        }
    }
}
