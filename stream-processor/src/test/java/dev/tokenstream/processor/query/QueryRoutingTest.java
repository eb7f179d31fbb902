package dev.tokenstream.processor.query;

import dev.tokenstream.testsupport.TestKeys;
import com.sun.net.httpserver.HttpServer;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.StreamStats;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.Json;
import dev.tokenstream.events.serde.JsonSerde;
import dev.tokenstream.processor.streams.StreamTopology;
import dev.tokenstream.testsupport.TestKafka;
import dev.tokenstream.testsupport.TopicProbe;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two processor instances of one application on a real broker: a query at the instance that does not own the
 * stream is forwarded over HTTP to the one that does.
 */
class QueryRoutingTest {

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    @Test
    void shouldForwardAStreamQueryToTheInstanceThatOwnsTheStream() throws Exception {
        TestKafka.createContractTopics(3);
        String application = "routing-test-" + UUID.randomUUID();
        Instance a = start(application);
        Instance b = start(application);
        await().atMost(Duration.ofSeconds(60)).until(() -> a.streams.state() == KafkaStreams.State.RUNNING
                && b.streams.state() == KafkaStreams.State.RUNNING
                && !a.streams.metadataForLocalThreads().iterator().next().activeTasks().isEmpty()
                && !b.streams.metadataForLocalThreads().iterator().next().activeTasks().isEmpty());
        String id = ownedBy(a.streams, b.host);

        long t0 = System.currentTimeMillis() * 1000;
        var serde = JsonSerde.of(TokenEvent.class);
        TopicProbe.send(Topics.TOKENS, id, TokenEvent.started(id, 0, "simulator", "sim-fast", t0, t0, t0), serde);
        TopicProbe.send(Topics.TOKENS, id, TokenEvent.token(id, 1, "Hi", t0 + 90_000), serde);
        TopicProbe.send(Topics.TOKENS, id, TokenEvent.completed(id, 2, "stop", null, t0 + 95_000), serde);

        Optional<StreamStats> viaA = await().atMost(Duration.ofSeconds(30)).until(() -> a.queries.stream(id, false),
                stats -> stats.isPresent() && stats.get().state() == StreamState.COMPLETED);
        assertThat(viaA.orElseThrow().ttftMillis()).isEqualTo(90.0);
        assertThat(a.queries.stream(id, true)).as("a does not hold the stream itself").isEmpty();
        assertThat(b.forwarded).as("b answered a's forwarded query").isPositive();
    }

    /** @return a stream id whose partition's task runs at {@code owner} */
    private static String ownedBy(KafkaStreams streams, HostInfo owner) {
        for (int i = 0; i < 1000; i++) {
            String id = UUID.randomUUID().toString();
            if (streams.queryMetadataForKey(StreamTopology.STATE_STORE, id, Serdes.String().serializer())
                    .activeHost().equals(owner)) {
                return id;
            }
        }
        throw new AssertionError("no stream id falls in " + owner + "'s partitions");
    }

    private Instance start(String application) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        var host = new HostInfo("127.0.0.1", server.getAddress().getPort());
        var props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, application);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers());
        props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, host.host() + ":" + host.port());
        props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("routing-test").toString());
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        props.put(StreamsConfig.producerPrefix("linger.ms"), 0);
        var streams = new KafkaStreams(StreamTopology.build(StreamTopology.Settings.defaults()), props);
        var instance = new Instance(streams, new StatsQueries(streams, host.host() + ":" + host.port(),
                TestKeys.SERVICE.text()), host);
        // What StatsResource does for a forwarded query, on this instance's address.
        server.createContext("/v1/streams/", exchange -> {
            String id = exchange.getRequestURI().getPath().split("/")[3];
            if (!TestKeys.bearer(TestKeys.SERVICE).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.sendResponseHeaders(401, -1);
                exchange.close();
                return;
            }
            Optional<StreamStats> stats = instance.queries.stream(id, true);
            instance.forwarded++;
            byte[] body = stats.isPresent() ? Json.MAPPER.writeValueAsBytes(stats.get())
                    : "{}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(stats.isPresent() ? 200 : 404, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        streams.start();
        resources.add(() -> server.stop(0));
        resources.add(streams);
        return instance;
    }

    private static final class Instance {
        final KafkaStreams streams;
        final StatsQueries queries;
        final HostInfo host;
        volatile int forwarded;

        Instance(KafkaStreams streams, StatsQueries queries, HostInfo host) {
            this.streams = streams;
            this.queries = queries;
            this.host = host;
        }
    }
}
