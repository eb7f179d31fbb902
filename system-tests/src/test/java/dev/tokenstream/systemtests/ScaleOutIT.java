package dev.tokenstream.systemtests;

import dev.tokenstream.api.StartStreamRequest;
import dev.tokenstream.client.StreamResult;
import dev.tokenstream.client.TokenstreamClient;
import dev.tokenstream.client.TokenstreamException;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.GenerationParams;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.StreamPartitions;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.Json;
import dev.tokenstream.localstack.LocalStack;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Scale-out on a local stack with two instances of every service and four partitions per topic (issue 16):
 * <ol>
 *   <li>streams started on both control instances spread over both delivery instances, each reading only its own
 *   partitions (frames consumed per instance about half the total); their links name the owning instance, and a
 *   client connected to the instance that does <em>not</em> own its stream gets the exact text, every seq once, in
 *   order;</li>
 *   <li>failover (issue 29): with six streams running, the second instance of one service at a time is killed with
 *   SIGKILL (then restarted), or hung with SIGSTOP for 30 s (then woken): every stream completes with exactly its
 *   text, those the killed ingest generated continued by the other (issue 29; a hung ingest's may end
 *   {@code interrupted} with a prefix of it), the clients of the
 *   streams the lost delivery owned included; each round's longest silence is printed, with its p50 and max per
 *   service. In the suite: a kill of each service and a hang of the processor and of delivery;
 *   {@code -Dtokenstream.failover.rounds=N} repeats kills and hangs of all four N times.</li>
 * </ol>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScaleOutIT {

    private static final int INSTANCES = 2;
    private static final int PARTITIONS = 4;
    private static final Pattern CONSUMED = Pattern.compile("(?m)^tokenstream_delivery_frames_consumed_total ([0-9.E]+)");
    private static final Pattern FORWARDED =
            Pattern.compile("(?m)^tokenstream_delivery_frames_forwarded_total ([0-9.E]+)");

    private static final List<String> SERVICES = List.of("stream-processor", "delivery-service", "ingest-service",
            "control-service");
    /** How long a hung instance stays frozen. */
    private static final Duration HANG = Duration.ofSeconds(30);
    /**
     * A bound far above the goal (2 s p50, 5 s max: the figures are printed and kept in docs/performance.md), so
     * that the suite fails on a failover that does not happen, not on a noisy machine.
     */
    private static final Duration SILENCE_BOUND = Duration.ofSeconds(20);

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<Round> rounds = new ArrayList<>();
    private LocalStack stack;
    private final List<TokenstreamClient> clients = new ArrayList<>();

    @BeforeAll
    void startStack() throws Exception {
        stack = SystemTests.startStack("scale-out-it", "shared", INSTANCES, PARTITIONS);
        for (int i = 1; i <= INSTANCES; i++) {
            clients.add(new TokenstreamClient(URI.create(stack.settings().controlUrl(i)),
                    stack.credentials().apiKey()));
        }
        // Both delivery instances own partitions before the first stream (a late joiner's rebalance would move some).
        await().atMost(Duration.ofSeconds(60)).until(() -> deliveryOwners().values().stream().distinct().count()
                == INSTANCES);
    }

    @AfterAll
    void stopStack() {
        if (stack != null) {
            stack.down();
        }
    }

    @Test
    void shouldSpreadStreamsAndServeThemFromEitherInstanceAndSurviveLosingOneOfEach() throws Exception {
        spreadAndForward();
        int repeats = Integer.getInteger("tokenstream.failover.rounds", 1);
        List<String> services = List.of(System.getProperty("tokenstream.failover.services",
                String.join(",", SERVICES)).split(","));
        for (int repeat = 0; repeat < repeats; repeat++) {
            for (String service : services) {
                rounds.add(failover(service, false));
            }
            // A hang costs its 30 s: in the suite the processor's and delivery's, all four on request.
            for (String service : repeats > 1 ? services : List.of("stream-processor", "delivery-service")) {
                rounds.add(failover(service, true));
            }
        }
        System.out.println("failover, two instances of every service, one fault at a time (silence: the longest gap"
                + " between two frames any of six clients saw):");
        rounds.forEach(round -> System.out.printf("  %-20s %-10s silence %5d ms, status again after %5d ms, %s%n",
                round.instance, round.fault, round.silenceMillis, round.statusAfterMillis, round.outcomes));
        rounds.stream().map(round -> round.instance + " " + round.fault).distinct().forEach(fault -> {
            long[] silences = rounds.stream().filter(round -> fault.equals(round.instance + " " + round.fault))
                    .mapToLong(Round::silenceMillis).sorted().toArray();
            System.out.printf("  %-31s rounds %d, silence p50 %d ms, max %d ms%n", fault, silences.length,
                    silences[(silences.length - 1) / 2], silences[silences.length - 1]);
        });
        for (Round round : rounds) {
            assertThat(Duration.ofMillis(round.silenceMillis)).as("%s %s: a client's longest silence", round.instance,
                    round.fault).isLessThan(SILENCE_BOUND);
        }
    }

    private void spreadAndForward() throws Exception {
        double[] consumedBefore = metrics(CONSUMED);
        Map<Integer, String> owners = deliveryOwners();
        List<Forwarded> reads = new ArrayList<>();
        for (int k = 0; k < 12; k++) {
            TokenstreamClient client = clients.get(k % INSTANCES);
            String prompt = "Scale out, stream " + k;
            var params = new GenerationParams(40, null, (long) k);
            var started = client.create(StartStreamRequest.prompt("simulator", "sim-fast", prompt, params));
            String owner = owners.get(partitionOf(started.streamId()));
            // control-service looks at the delivery group every 5 s: its links name the owner once it has seen it.
            int ownerPort = URI.create(owner).getPort();
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                    assertThat(client.links(started.streamId()).ws().getPort())
                            .as("the links name the delivery instance owning the stream").isEqualTo(ownerPort));
            String other = owner.equals(stack.settings().deliveryUrl(1)) ? stack.settings().deliveryUrl(2)
                    : stack.settings().deliveryUrl(1);
            var read = new Forwarded(started.streamId(), SystemTests.simulatorAnswer(stack, "sim-fast", prompt,
                    params));
            URI ws = URI.create(other.replaceFirst("^http", "ws") + started.ws().getRawPath() + "?"
                    + started.ws().getRawQuery());
            read.subscription = client.subscribe(ws, -1, read);
            reads.add(read);
        }
        for (Forwarded read : reads) {
            assertThat(read.subscription.awaitClose(Duration.ofSeconds(60))).as(read.streamId).isEqualTo(1000);
            assertThat(read.seqs).as("every seq once, in order").isEqualTo(
                    java.util.stream.LongStream.range(0, read.seqs.size()).boxed().toList());
            assertThat(read.last).isEqualTo(FrameType.COMPLETED);
            assertThat(read.text.toString()).as("stream %s read from the instance not owning it", read.streamId)
                    .isEqualTo(read.expected);
        }
        double[] consumed = metrics(CONSUMED);
        double[] forwarded = metrics(FORWARDED);
        double total = 0;
        for (int i = 0; i < INSTANCES; i++) {
            consumed[i] -= consumedBefore[i];
            total += consumed[i];
        }
        System.out.printf("scale-out: frames consumed from Kafka per delivery instance %s (%.0f in all), forwarded "
                + "to clients of the other instance %s%n", java.util.Arrays.toString(consumed), total,
                java.util.Arrays.toString(forwarded));
        for (int i = 0; i < INSTANCES; i++) {
            assertThat(consumed[i] / total).as("delivery instance %d's share of the frames", i + 1)
                    .isBetween(0.15, 0.85);
            assertThat(forwarded[i]).as("delivery instance %d forwarded frames", i + 1).isPositive();
        }
    }

    /**
     * One fault of one service's second instance while six streams run from control-service 1: kill (SIGKILL, then
     * restarted) or hang (SIGSTOP for {@link #HANG}, then SIGCONT). Every stream ends with its exact text (or, if
     * a hung ingest generated it, {@code interrupted} with a prefix); the longest silence any client saw is the
     * round's figure. The stack is whole again (two members in every group) before it returns.
     *
     * @return the round's row for the table
     */
    private Round failover(String service, boolean hang) throws Exception {
        String instance = service + "-2";
        List<TimedStream> runs = new ArrayList<>();
        for (int k = 0; k < 6; k++) {
            String prompt = "Failover of " + instance + ", a long story " + k + " of round " + (rounds.size() + 1);
            var params = new GenerationParams(150, null, (long) k + 100 * rounds.size());
            var run = new TimedStream(k, SystemTests.simulatorAnswerAsync(stack, "sim-slow", prompt, params));
            // control-service 1 survives; the links name each stream's delivery owner, so the clients of the
            // streams delivery-service-2 owns lose their connection with it and reconnect through fresh links.
            run.session = clients.get(0).start(StartStreamRequest.prompt("simulator", "sim-slow", prompt, params),
                    run.text, run.arrivalClock());
            runs.add(run);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> runs.stream().allMatch(run -> run.text.tokenFrames() >= 10));
        long faultAt = System.nanoTime();
        if (hang) {
            stack.hang(instance);
        } else {
            stack.kill(instance);
        }
        // Status goes through control to the processor's interactive queries: unanswered (503) while the
        // processor's group moves the lost instance's tasks.
        for (TimedStream run : runs) {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                    .until(() -> clients.get(0).status(run.session.metadata().streamId()) != null);
        }
        long statusAfterMillis = (System.nanoTime() - faultAt) / 1_000_000;
        List<String> outcomes = new ArrayList<>();
        long longestSilence = 0;
        for (TimedStream run : runs) {
            StreamResult result = run.session.awaitResult(Duration.ofMinutes(3));
            run.session.close();
            assertThat(result.error() instanceof TokenstreamException).as("%s, stream %d: the client gave up (%s)",
                    instance, run.index, result.error()).isFalse();
            // A killed ingest's streams go on from their answer so far on the other instance (the simulator's
            // after-instance-loss is continue); a hung one's may end interrupted if it wakes and writes first.
            outcomes.add(run.check(instance + (hang ? " hung" : " killed"), result,
                    service.equals("ingest-service") && hang));
            longestSilence = Math.max(longestSilence, run.longestSilenceMillis());
        }
        if (hang) {
            long hungFor = System.nanoTime() - faultAt;
            if (hungFor < HANG.toNanos()) {
                TimeUnit.NANOSECONDS.sleep(HANG.toNanos() - hungFor);
            }
            stack.wake(instance);
        } else {
            stack.restart(instance);
        }
        awaitWhole();
        // A hung processor that woke up wrote nothing it held when it stopped: the last record of every stream in
        // its changelog is how the stream ended, whichever instance owns the task now (a stale write after it would
        // be restored by the next owner, or a standby; FencedStore).
        Map<String, String> changelog = lastChangelogStates(runs.stream().map(run -> run.session.metadata().streamId())
                .toList());
        for (int i = 0; i < runs.size(); i++) {
            assertThat(changelog.get(runs.get(i).session.metadata().streamId()))
                    .as("%s %s, stream %d: its last state in the processor's changelog", instance,
                            hang ? "hung" : "killed", i)
                    .isEqualTo(outcomes.get(i).equals("completed") ? "COMPLETED" : "FAILED");
        }
        // The instance back (restarted, or woken and fenced) may own the streams' tasks again, restored from the
        // changelogs: every stream is as it ended, none as a hung instance held it (docs/design.md "Crash and
        // restart", StoppedThreadCheck).
        for (int i = 0; i < runs.size(); i++) {
            TimedStream run = runs.get(i);
            StreamState ended = outcomes.get(i).equals("completed") ? StreamState.COMPLETED : StreamState.FAILED;
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .untilAsserted(() -> assertThat(clients.get(0).status(run.session.metadata().streamId()).state())
                            .as("%s %s, stream %d after the instance came back", instance, hang ? "hung" : "killed",
                                    run.index).isEqualTo(ended));
        }
        return new Round(instance, hang ? "hang " + HANG.toSeconds() + " s" : "kill", longestSilence, statusAfterMillis,
                outcomes);
    }

    /** Waits until both instances of every partition-owning service are members of their group again. */
    private void awaitWhole() {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                stack.settings().bootstrapServers()))) {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() ->
                    admin.describeConsumerGroups(List.of("tokenstream-delivery", "tokenstream-ingest",
                            LocalStack.PROCESSOR_GROUP)).all().get(10, TimeUnit.SECONDS).values().stream()
                            .allMatch(group -> group.members().stream().filter(m -> !m.assignment()
                                    .topicPartitions().isEmpty()).count() == INSTANCES));
        }
    }

    /**
     * Reads the processor's changelog of stream states from its start to its end now.
     *
     * @return the state ({@code lifecycle.state}) of each of {@code streamIds} in its last record; null for a
     *         tombstone
     */
    private Map<String, String> lastChangelogStates(List<String> streamIds) throws Exception {
        String topic = LocalStack.PROCESSOR_GROUP + "-stream-state-changelog";
        Map<String, String> states = new HashMap<>();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.settings().bootstrapServers()),
                new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                assertThat(System.nanoTime()).as("the changelog read within 60 s").isLessThan(deadline);
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    if (streamIds.contains(record.key())) {
                        states.put(record.key(), record.value() == null ? null
                                : Json.MAPPER.readTree(record.value()).path("lifecycle").path("state").asText());
                    }
                }
            }
        }
        return states;
    }

    /** @return each deliveries partition's owner, as the delivery instances' advertised URL */
    private Map<Integer, String> deliveryOwners() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                stack.settings().bootstrapServers()))) {
            Map<Integer, String> owners = new HashMap<>();
            for (MemberDescription member : admin.describeConsumerGroups(List.of("tokenstream-delivery")).all()
                    .get(10, TimeUnit.SECONDS).get("tokenstream-delivery").members()) {
                String id = member.clientId();
                String url = id.substring(id.indexOf('[') + 1, id.indexOf(']'));
                member.assignment().topicPartitions().stream().filter(p -> p.topic().equals(Topics.DELIVERIES))
                        .forEach(p -> owners.put(p.partition(), url));
            }
            return owners;
        }
    }

    /** Kafka's default partitioner on the stream id, as the processor writes the stream's frames. */
    private static int partitionOf(String streamId) {
        return StreamPartitions.partitionOf(streamId, PARTITIONS);
    }

    /** @return a counter of every delivery instance, from its Prometheus metrics */
    private double[] metrics(Pattern counter) throws Exception {
        double[] values = new double[INSTANCES];
        for (int i = 1; i <= INSTANCES; i++) {
            String metrics = http.send(HttpRequest.newBuilder(URI.create("http://localhost:"
                    + (URI.create(stack.settings().deliveryUrl(i)).getPort() + 1000) + "/q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher matcher = counter.matcher(metrics);
            values[i - 1] = matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
        }
        return values;
    }

    /** A client reading a stream from the delivery instance that does not own it. */
    private static final class Forwarded implements TokenstreamClient.FrameListener {
        final String streamId;
        final String expected;
        final StringBuilder text = new StringBuilder();
        final List<Long> seqs = new CopyOnWriteArrayList<>();
        volatile FrameType last;
        TokenstreamClient.Subscription subscription;

        Forwarded(String streamId, String expected) {
            this.streamId = streamId;
            this.expected = expected;
        }

        @Override
        public void onFrame(DeliveryFrame frame) {
            seqs.add(frame.seq());
            last = frame.type();
            if (frame.type() == FrameType.TOKEN) {
                text.append(frame.text());
            }
        }
    }

    /** One fault's figures. */
    private record Round(String instance, String fault, long silenceMillis, long statusAfterMillis,
                         List<String> outcomes) {
    }
}
