package dev.tokenstream.systemtests;

import dev.tokenstream.api.StartStreamRequest;
import dev.tokenstream.client.StreamResult;
import dev.tokenstream.client.TokenstreamClient;
import dev.tokenstream.events.GenerationParams;
import dev.tokenstream.events.StreamPartitions;
import dev.tokenstream.events.Topics;
import dev.tokenstream.localstack.LocalStack;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A broker lost mid-stream on a three-broker KRaft cluster ({@code ./tokenstream up --brokers 3}) with the prod
 * overlay's replication (3 replicas, {@code min.insync.replicas} 2, {@code acks=all}), issue 29: with four streams
 * running, the broker leading the first stream's {@code tokens} partition is killed with SIGKILL, then (restarted,
 * every replica back in sync) the active KRaft controller; on request ({@code -Dtokenstream.failover.broker-hang=true})
 * the leader is then hung with SIGSTOP for 30 s and woken. Every stream must end with exactly its text: no
 * acknowledged record is lost, none repeated. Each round's longest silence a client saw is printed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrokerFailoverIT {

    private static final int BROKERS = 3;
    /** Far above the goal (5 s; the figures are printed and kept in docs/performance.md): fails a failover that
     *  does not happen, not a noisy machine. */
    private static final Duration SILENCE_BOUND = Duration.ofSeconds(30);
    /** How long a hung broker stays frozen ({@code -Dtokenstream.failover.broker-hang=true}). */
    private static final Duration HANG = Duration.ofSeconds(30);

    private LocalStack stack;
    private TokenstreamClient client;
    private Admin admin;

    @BeforeAll
    void startStack() throws Exception {
        stack = SystemTests.startStack("broker-failover-it", "shared", 1, 3, BROKERS);
        client = new TokenstreamClient(URI.create(stack.settings().controlUrl()), stack.credentials().apiKey());
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.settings().bootstrapServers()));
    }

    @AfterAll
    void stopStack() {
        if (admin != null) {
            admin.close();
        }
        if (stack != null) {
            stack.down();
        }
    }

    @Test
    void shouldLoseNothingWhenTheLeaderOfAStreamsPartitionOrTheActiveControllerIsKilled() throws Exception {
        assertThat(admin.describeTopics(List.of(Topics.TOKENS)).allTopicNames().get(10, TimeUnit.SECONDS)
                .get(Topics.TOKENS).partitions()).allSatisfy(partition -> assertThat(partition.replicas())
                .as("the prod overlay's replication").hasSize(BROKERS));
        List<String> rows = new ArrayList<>();
        rows.add(round("leader of the first stream's tokens partition", streamId -> {
            int partition = StreamPartitions.partitionOf(streamId, 3);
            TopicDescription tokens = describe(Topics.TOKENS);
            return tokens.partitions().get(partition).leader().id();
        }, false));
        rows.add(round("active KRaft controller", streamId -> {
            try {
                return admin.describeMetadataQuorum().quorumInfo().get(10, TimeUnit.SECONDS).leaderId();
            } catch (Exception e) {
                throw new IllegalStateException("the quorum's leader", e);
            }
        }, false));
        if (Boolean.getBoolean("tokenstream.failover.broker-hang")) {
            // On request: a hung leader stalls the clients' requests in flight to it for request.timeout.ms (30 s),
            // beyond the suite's bound; measured, in docs/performance.md "Failover in seconds".
            rows.add(round("leader of the first stream's tokens partition, hung " + HANG.toSeconds() + " s",
                    streamId -> describe(Topics.TOKENS).partitions().get(StreamPartitions.partitionOf(streamId, 3))
                            .leader().id(), true));
        }
        System.out.println("broker failover, three brokers (3 replicas, min.insync.replicas 2):");
        rows.forEach(row -> System.out.println("  " + row));
    }

    /**
     * Runs four streams, kills (or hangs, for {@link #HANG}) the broker {@code victim} names for the first one,
     * checks them, restarts (wakes) it.
     */
    private String round(String what, ToIntFunction<String> victim, boolean hang) throws Exception {
        List<TimedStream> runs = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            String prompt = "Broker failover, " + what + ", story " + k;
            var params = new GenerationParams(120, null, (long) k + 300);
            var run = new TimedStream(k, SystemTests.simulatorAnswerAsync(stack, "sim-slow", prompt, params));
            run.session = client.start(StartStreamRequest.prompt("simulator", "sim-slow", prompt, params), run.text,
                    run.arrivalClock());
            runs.add(run);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> runs.stream().allMatch(run -> run.text.tokenFrames() >= 10));
        int node = victim.applyAsInt(runs.get(0).session.metadata().streamId());
        String broker = node == 1 ? "kafka" : "kafka-" + node;
        long faultAt = System.nanoTime();
        if (hang) {
            stack.hang(broker);
        } else {
            stack.kill(broker);
        }
        long longestSilence = 0;
        for (TimedStream run : runs) {
            StreamResult result = run.session.awaitResult(Duration.ofMinutes(3));
            run.session.close();
            assertThat(run.check(broker + (hang ? " hung" : " killed"), result, false)).isEqualTo("completed");
            longestSilence = Math.max(longestSilence, run.longestSilenceMillis());
        }
        if (hang) {
            TimeUnit.NANOSECONDS.sleep(Math.max(0, HANG.toNanos() - (System.nanoTime() - faultAt)));
            stack.wake(broker);
        } else {
            assertThat(Duration.ofMillis(longestSilence)).as("%s killed: a client's longest silence", broker)
                    .isLessThan(SILENCE_BOUND);
            stack.restart(broker);
        }
        // Every replica in sync again before the next broker is lost: two losses at once would stop acks=all.
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() ->
                admin.describeTopics(List.of(Topics.TOKENS, Topics.DELIVERIES, Topics.REQUESTS)).allTopicNames()
                        .get(10, TimeUnit.SECONDS).values().stream().flatMap(topic -> topic.partitions().stream())
                        .allMatch(partition -> partition.isr().size() == BROKERS));
        return String.format("%-46s %-8s %s: %d streams completed with their exact text; longest silence %d ms",
                what, broker, hang ? "hung" : "killed", runs.size(), longestSilence);
    }

    private TopicDescription describe(String topic) {
        try {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
        } catch (Exception e) {
            throw new IllegalStateException("describing " + topic, e);
        }
    }
}
