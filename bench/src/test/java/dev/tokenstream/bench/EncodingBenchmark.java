package dev.tokenstream.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.smile.SmileFactory;
import com.fasterxml.jackson.module.blackbird.BlackbirdModule;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.TokenEventKind;
import dev.tokenstream.events.serde.Json;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * What encoding the token path's records costs, per record, in the contract's JSON and in Jackson's two binary
 * formats (Smile, CBOR) with the same annotations and settings, and JSON bound by Jackson's Blackbird module: the first measurement of issue 28's second step
 * (a binary encoding). Each benchmark writes or reads one token event (ingest to processor) or one token frame
 * (processor to delivery) as a single-token stream makes them; nanoseconds per record, average time.
 * <p>
 * Run: {@code ./mvnw -B -q -pl bench test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.tokenstream.bench.EncodingBenchmark} (about 2 minutes; results in docs/performance.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EncodingBenchmark {

    /**
     * The format under test: {@code json} (the contract's), {@code json-blackbird} (the same with Jackson's
     * Blackbird module, which binds through generated lambdas instead of reflection), {@code smile} or {@code cbor}.
     */
    @Param({"json", "json-blackbird", "smile", "cbor"})
    public String format;

    private ObjectMapper mapper;
    private TokenEvent event;
    private DeliveryFrame frame;
    private byte[] encodedEvent;
    private byte[] encodedFrame;

    /** Encodes the two records once, for the reads, and prints their sizes. */
    @Setup
    public void setUp() throws IOException {
        mapper = switch (format) {
            case "json" -> Json.MAPPER;
            case "json-blackbird" -> Json.MAPPER.copy().registerModule(new BlackbirdModule());
            case "smile" -> Json.MAPPER.copyWith(new SmileFactory());
            case "cbor" -> Json.MAPPER.copyWith(new CBORFactory());
            default -> throw new IllegalArgumentException("unknown format " + format);
        };
        String streamId = "0f8fad5b-d9cb-469f-a165-70867728950e";
        long now = 1_796_000_000_000_000L;
        event = new TokenEvent(streamId, 42, TokenEventKind.TOKEN, " streaming", now, null, null, null, null, null,
                null, null, null, null, 1L, "acme");
        frame = DeliveryFrame.token(streamId, 42, " streaming", now);
        encodedEvent = mapper.writeValueAsBytes(event);
        encodedFrame = mapper.writeValueAsBytes(frame);
        System.out.printf("%n%s: token event %d bytes, token frame %d bytes%n", format, encodedEvent.length,
                encodedFrame.length);
    }

    /** @return a token event's record value */
    @Benchmark
    public byte[] writeTokenEvent() throws IOException {
        return mapper.writeValueAsBytes(event);
    }

    /** @return the token event read back */
    @Benchmark
    public TokenEvent readTokenEvent() throws IOException {
        return mapper.readValue(encodedEvent, TokenEvent.class);
    }

    /** @return a token frame's record value */
    @Benchmark
    public byte[] writeTokenFrame() throws IOException {
        return mapper.writeValueAsBytes(frame);
    }

    /** @return the token frame read back */
    @Benchmark
    public DeliveryFrame readTokenFrame() throws IOException {
        return mapper.readValue(encodedFrame, DeliveryFrame.class);
    }

    /**
     * Runs every benchmark of this class with the settings above.
     *
     * @param args ignored
     * @throws RunnerException when JMH cannot run them
     */
    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(EncodingBenchmark.class.getSimpleName()).build()).run();
    }
}
