package dev.tokenstream.systemtests;

import dev.tokenstream.client.TokenstreamClient;
import dev.tokenstream.events.Topics;
import dev.tokenstream.localstack.LocalStack;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Chaos at length on a cluster (issue 29): two instances of every service and three brokers with the prod overlay's
 * replication (3 replicas, {@code min.insync.replicas} 2). Each round runs the chaos streams ({@link ChaosStreams}:
 * plain, coalesced by words and by 150 ms windows, a fallback merge group, one paused and resumed) while
 * {@value #FAULTS_PER_ROUND} faults drawn from a seed hit one process at a time, each at a moment drawn from the
 * seed: a kill (SIGKILL, then restarted) or a hang (SIGSTOP for 2 to 8 s, then SIGCONT) of any instance of ingest,
 * the processor or delivery, of control-service 2 (control 1 is the test's), or of any broker. Every stream must end
 * completed with exactly its undisturbed text, or (in a round that lost an ingest) failed {@code interrupted} with
 * a prefix of it. One round runs in the suite; {@code -Dtokenstream.chaos.cluster.rounds=N} runs N, within
 * {@code -Dtokenstream.chaos.cluster.minutes} (default 30); {@code -Dtokenstream.chaos.seed=<printed seed>} runs the
 * same faults again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterChaosIT {

    private static final int INSTANCES = 2;
    private static final int BROKERS = 3;
    private static final int FAULTS_PER_ROUND = 3;
    private static final List<String> TARGETS = List.of("ingest-service", "ingest-service-2", "stream-processor",
            "stream-processor-2", "delivery-service", "delivery-service-2", "control-service-2", "kafka", "kafka-2",
            "kafka-3");
    /** Far above what one fault costs (seconds): fails a stream that never recovers, not a noisy machine. */
    private static final Duration SILENCE_BOUND = Duration.ofSeconds(60);

    private LocalStack stack;
    private TokenstreamClient client;

    @BeforeAll
    void startStack() throws Exception {
        stack = SystemTests.startStack("cluster-chaos-it", "shared", INSTANCES, 4, BROKERS);
        client = new TokenstreamClient(URI.create(stack.settings().controlUrl()), stack.credentials().apiKey());
    }

    @AfterAll
    void stopStack() {
        if (stack != null) {
            stack.down();
        }
    }

    @Test
    void shouldNeverSpliceRepeatOrLoseATokenUnderSeededKillsAndHangsOfInstancesAndBrokers() throws Exception {
        long seed = Long.getLong("tokenstream.chaos.seed", System.nanoTime());
        int rounds = Integer.getInteger("tokenstream.chaos.cluster.rounds", 1);
        long deadline = System.nanoTime()
                + TimeUnit.MINUTES.toNanos(Integer.getInteger("tokenstream.chaos.cluster.minutes", 30));
        System.out.printf("cluster chaos seed %d (-Dtokenstream.chaos.seed=%d runs the same faults)%n", seed, seed);
        var random = new Random(seed);
        List<String> table = new ArrayList<>();
        for (int round = 1; round <= rounds && System.nanoTime() < deadline; round++) {
            var streams = ChaosStreams.start(stack, client, "cluster round " + round, 400);
            List<String> faults = new ArrayList<>();
            boolean ingestLost = false;
            for (int f = 0; f < FAULTS_PER_ROUND; f++) {
                String target = TARGETS.get(random.nextInt(TARGETS.size()));
                boolean hang = random.nextBoolean();
                long after = streams.tokenFrames() + 5 + random.nextInt(25);
                await().atMost(Duration.ofSeconds(60)).until(() -> streams.tokenFrames() >= after
                        || streams.runs().stream().allMatch(run -> run.session.result().isDone()));
                ingestLost |= target.startsWith("ingest-service");
                if (hang) {
                    int seconds = 2 + random.nextInt(7);
                    stack.hang(target);
                    TimeUnit.SECONDS.sleep(seconds);
                    stack.wake(target);
                    faults.add(target + " hung " + seconds + " s");
                } else {
                    stack.kill(target);
                    stack.restart(target);
                    faults.add(target + " killed");
                }
                if (target.startsWith("kafka")) {
                    awaitReplicasInSync();
                }
            }
            var outcome = streams.finish("cluster round " + round + " " + faults, ingestLost);
            table.add(String.format("round %d: %s; %s; longest silence %d ms", round, faults, outcome.outcomes(),
                    outcome.longestSilenceMillis()));
            assertThat(Duration.ofMillis(outcome.longestSilenceMillis())).as("round %d %s", round, faults)
                    .isLessThan(SILENCE_BOUND);
        }
        System.out.println("cluster chaos, two instances of every service and three brokers, seed " + seed + ":");
        table.forEach(row -> System.out.println("  " + row));
    }

    /** Every replica back in sync before the next fault: two brokers lost at once would stop acks=all writes. */
    private void awaitReplicasInSync() {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                stack.settings().bootstrapServers()))) {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() ->
                    admin.describeTopics(List.of(Topics.TOKENS, Topics.DELIVERIES, Topics.REQUESTS, Topics.CONTROL))
                            .allTopicNames().get(10, TimeUnit.SECONDS).values().stream()
                            .flatMap(topic -> topic.partitions().stream())
                            .allMatch(partition -> partition.isr().size() == BROKERS));
        }
    }
}
