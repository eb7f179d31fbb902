package dev.tokenstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstream.events.serde.Json;
import dev.tokenstream.testsupport.RecordedStreams;
import dev.tokenstream.testsupport.TestKafka;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The replay, export and compare commands against a real broker (Kafka's KRaft test kit). */
class ReplayCommandsTest {

    private static final String TEXT = String.join("", RecordedStreams.TOKENS);

    @BeforeAll
    static void topics() {
        TestKafka.createContractTopics(3);
    }

    @Test
    void shouldReplayTheTextAndTimingOfAPausedAndResumedStream() {
        String id = RecordedStreams.completed(1500);

        Result result = run("replay", id);

        assertThat(result.exit).isZero();
        assertThat(result.out).startsWith(TEXT + "\n")
                .contains("end          completed (stop)")
                .contains("TTFT         110.0 ms from request accepted, 100.0 ms from the upstream request")
                .contains("ITL          p50 20.0 ms")
                .contains("tokens/s     50.0")
                .contains("pauses       1, 1500 ms paused");
    }

    @Test
    void shouldReplayACancelledStream() {
        String id = RecordedStreams.cancelled();

        Result result = run("replay", id);

        assertThat(result.out).contains("end          cancelled").contains("tokens       3 ");
    }

    @Test
    void shouldWriteOneJsonLinePerEventWithPartitionOffsetAndGap() throws Exception {
        String id = RecordedStreams.completed(0);

        Result result = run("replay", id, "--format", "jsonl");

        List<JsonNode> rows = new ArrayList<>();
        for (String line : result.out.strip().split("\n")) {
            rows.add(Json.MAPPER.readTree(line));
        }
        assertThat(rows).hasSize(9);
        assertThat(rows.get(0).path("kind").asText()).isEqualTo("started");
        assertThat(rows.get(1).path("gapMicros").isNull()).isTrue();
        assertThat(rows.get(2).path("gapMicros").asLong()).isEqualTo(20_000);
        assertThat(rows.get(2).path("offset").asLong()).isEqualTo(rows.get(1).path("offset").asLong() + 1);
        assertThat(rows.get(8).path("kind").asText()).isEqualTo("completed");
    }

    @Test
    void shouldWriteCsvWithAHeaderAndQuoting() {
        String id = RecordedStreams.completed(0);

        Result result = run("replay", id, "--format", "csv");

        String[] lines = result.out.split("\n");
        assertThat(lines[0]).isEqualTo("seq,kind,text,emittedAtMicros,partition,offset,gapMicros");
        assertThat(lines[1]).startsWith("0,started,,");
        assertThat(lines[3]).startsWith("2,token,\" keeps\",");
        assertThat(lines).hasSize(10);
    }

    @Test
    void shouldReEmitTheTokensAtMaximumPace() {
        String id = RecordedStreams.completed(0);

        Result result = run("replay", id, "--pace", "max");

        assertThat(result.out).startsWith(TEXT + "\n");
        assertThat(run("replay", id, "--pace", "fast").err).contains("--pace must be original, max or a factor");
    }

    @Test
    void shouldExportTheStatsOfStreamsSinceATimeWithFilters() throws Exception {
        String completed = RecordedStreams.completed(0);
        String cancelled = RecordedStreams.cancelled();

        Result all = run("export", "--since", "1h");
        Result onlyCancelled = run("export", "--since", Instant.now().minusSeconds(3600).toString(), "--state",
                "cancelled", "--format", "csv");
        Result future = run("export", "--since", "PT0S", "--provider", "simulator");

        assertThat(all.out).contains(completed).contains(cancelled);
        assertThat(Json.MAPPER.readTree(all.out.lines().filter(l -> l.contains(completed)).findFirst().orElseThrow())
                .path("ttftMillis").asDouble()).isEqualTo(100.0);
        assertThat(onlyCancelled.out.lines().findFirst()).hasValue(String.join(",", ExportCommand.COLUMNS));
        assertThat(onlyCancelled.out).contains(cancelled).doesNotContain(completed);
        assertThat(future.out).isEmpty();
        assertThat(run("export", "--since", "yesterday").err).contains("--since must be an instant");
    }

    @Test
    void shouldCompareFinishedStreams() {
        String first = RecordedStreams.completed(0);
        String second = RecordedStreams.cancelled();

        Result result = run("compare", first, second);

        List<String> lines = result.out.lines().toList();
        assertThat(lines.get(0)).startsWith("STREAM").contains("similarity");
        assertThat(lines.get(1)).startsWith(first).contains("completed").endsWith("1.000");
        // "Kafka keeps every" against "Kafka keeps every token in order.": 2 * 3 / (6 + 3) = 0.667
        assertThat(lines.get(2)).startsWith(second).contains("cancelled").endsWith("0.667");
    }

    @Test
    void shouldSayClearlyWhenAStreamNeverExistedOrIsPastRetention() {
        Result never = run("replay", "no-such-stream");
        Result expired = run("replay", RecordedStreams.expired());

        assertThat(never.exit).isEqualTo(1);
        assertThat(never.err).contains("error: no stream with id no-such-stream exists on this cluster");
        assertThat(expired.exit).isEqualTo(1);
        assertThat(expired.err).contains("is older than the retention of tokenstream.tokens");
    }

    private static Result run(String... args) {
        var out = new StringWriter();
        var err = new StringWriter();
        var commandLine = TokenstreamCli.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--bootstrap-servers=" + TestKafka.bootstrapServers());
        int exit = commandLine.execute(all.toArray(String[]::new));
        return new Result(exit, out.toString(), err.toString());
    }

    private record Result(int exit, String out, String err) {
    }
}
