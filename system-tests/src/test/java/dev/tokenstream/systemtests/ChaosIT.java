package dev.tokenstream.systemtests;

import dev.tokenstream.client.TokenstreamClient;
import dev.tokenstream.localstack.LocalStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Chaos on the whole stack: for each process of the local stack, in an order drawn from a seed, concurrent seeded
 * streams run (plain, coalesced by words and by 150 ms windows, one paused and resumed, a fallback merge group) while that process is killed with SIGKILL at a
 * moment drawn from the seed (after some number of tokens reached the clients) and restarted. Every stream must
 * end either completed with exactly its undisturbed text, or failed with a reason and a prefix of that text, never
 * a splice, a duplicate or a gap; the clients reconnect by themselves (the Java SDK). A table per process: streams,
 * outcomes, the longest silence a client saw. Run again with {@code -Dtokenstream.chaos.seed=<printed seed>}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChaosIT {

    private static final List<String> PROCESSES = List.of("ingest-service", "stream-processor", "delivery-service",
            "control-service", "kafka");
    /** The longest silence a client may see while one process restarts. */
    private static final Duration SILENCE_BOUND = Duration.ofSeconds(60);

    private LocalStack stack;
    private TokenstreamClient client;

    @BeforeAll
    void startStack() throws IOException {
        stack = SystemTests.startStack("chaos-it", "shared");
        client = new TokenstreamClient(URI.create(stack.settings().controlUrl()), stack.credentials().apiKey());
    }

    @AfterAll
    void stopStack() {
        if (stack != null) {
            stack.down();
        }
    }

    @Test
    void shouldNeverSpliceRepeatOrLoseATokenWhicheverProcessIsKilled() throws Exception {
        long seed = Long.getLong("tokenstream.chaos.seed", System.nanoTime());
        System.out.printf("chaos seed %d (-Dtokenstream.chaos.seed=%d runs the same kills)%n", seed, seed);
        var random = new Random(seed);
        List<String> order = new ArrayList<>(PROCESSES);
        Collections.shuffle(order, random);

        Map<String, String> table = new LinkedHashMap<>();
        for (String process : order) {
            int killAfterTokens = 5 + random.nextInt(30);
            var streams = ChaosStreams.start(stack, client, process, 150);
            await().atMost(Duration.ofSeconds(60)).until(() -> streams.tokenFrames() >= killAfterTokens);
            stack.kill(process);
            stack.restart(process);

            var outcome = streams.finish(process + " killed", process.equals("ingest-service"));
            table.put(process, String.format("%d streams, killed after %d tokens: %s; longest silence %d ms",
                    streams.runs().size(), killAfterTokens, outcome.outcomes(), outcome.longestSilenceMillis()));
            assertThat(Duration.ofMillis(outcome.longestSilenceMillis())).as(process).isLessThan(SILENCE_BOUND);
        }
        System.out.println("chaos, seed " + seed + ":");
        table.forEach((process, row) -> System.out.printf("  %-17s %s%n", process, row));
    }
}
