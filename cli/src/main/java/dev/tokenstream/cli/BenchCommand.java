package dev.tokenstream.cli;

import dev.tokenstream.bench.BenchReport;
import dev.tokenstream.bench.BenchRun;
import dev.tokenstream.bench.ScaleRun;
import dev.tokenstream.localstack.LocalStack;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code bench}: the end-to-end benchmark against the direct relay ({@link BenchRun}); starts the local stack
 * for the run when none is up, and the relay always.
 */
@Command(name = "bench", description = "Measure Tokenstream's added latency per token against a direct relay "
        + "(no Kafka), by concurrent streams; writes a table, bench.json and bench.png.")
public final class BenchCommand implements Callable<Integer> {

    @ParentCommand
    TokenstreamCli cli;

    @Option(names = "--streams", split = ",", defaultValue = "1,10,100,1000",
            description = "concurrent streams per scenario (default: ${DEFAULT-VALUE})")
    List<Integer> streams = new ArrayList<>();

    @Option(names = "--tokens", defaultValue = "100", description = "tokens per stream (default: ${DEFAULT-VALUE})")
    int tokens;

    @Option(names = "--warm-up", defaultValue = "10", description = "concurrent streams of --tokens tokens that "
            + "warm up each system first, twice: the JVMs compile their hot paths under load (default: ${DEFAULT-VALUE})")
    int warmUp;

    @Option(names = "--control", defaultValue = "10", description = "streams paused, resumed and cancelled one "
            + "after another to time control (default: ${DEFAULT-VALUE})")
    int control;

    @Option(names = "--limit-max", defaultValue = "256", description = "search the highest rate with p99 added "
            + "latency under 50 ms with 1, 2, 4, ... streams up to this many, per system; 0 skips it "
            + "(default: ${DEFAULT-VALUE})")
    int limitMax;

    @Option(names = "--memory", defaultValue = "100", description = "streams held open (one token a second) to "
            + "measure the memory each holds in every service; 0 skips it (default: ${DEFAULT-VALUE})")
    int memory;

    @Option(names = "--fan-out", defaultValue = "1000", description = "WebSocket subscribers reading one stream of "
            + "10 x --tokens tokens, for delivery's fan-out latency; 0 skips it (default: ${DEFAULT-VALUE})")
    int fanOut;

    @Option(names = "--fast-stream", defaultValue = "3000", description = "tokens of one stream of the simulator's "
            + "sim-rapid profile (3,000 tokens/s) through each system; 0 skips it (default: ${DEFAULT-VALUE})")
    int fastStream;

    @Option(names = "--idle", defaultValue = "30", description = "seconds to measure the stack's CPU with no stream "
            + "open, after the scenarios; 0 skips it (default: ${DEFAULT-VALUE})")
    int idle;

    @Option(names = "--buffering", description = "coalescing of Tokenstream's token frames by the processor: none, "
            + "words, sentences, tokens:<n>, characters:<n>, window:<ms> (default: none, a frame per token)")
    String buffering;

    @Option(names = "--instances", split = ",", paramLabel = "N[,N...]", description = "measure scale-out instead: "
            + "for each count, a local stack with that many instances of every service runs --streams (streams "
            + "started round-robin on the control instances) and the rate search; prints the frames each delivery "
            + "instance handled and the CPU per 1000 tokens, writes scale.json. No stack may be running.")
    List<Integer> instances;

    @Spec
    CommandSpec spec;

    @Option(names = "--out", defaultValue = "target/bench", description = "where bench.json and bench.png go "
            + "(default: ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws Exception {
        LocalStack stack = cli.stack();
        boolean ours = !stack.isRunning();
        var plan = new BenchRun.Plan(streams, tokens, warmUp, control, limitMax, memory,
                buffering == null ? null : StreamCommand.parseBuffering(spec, buffering), fanOut, fastStream, idle);
        if (instances != null) {
            if (!ours) {
                throw new ParameterException(spec.commandLine(), "--instances starts a stack per instance count: stop "
                        + "the running one first (./tokenstream down)");
            }
            ScaleRun.run(stack.settings(), stack.credentials().apiKey(), instances, plan, out, System.out);
            System.out.println("written: " + out.resolve("scale.json"));
            return 0;
        }
        if (ours) {
            stack.up();
        }
        try {
            BenchReport report = BenchRun.run(stack, cli.client(), plan, out, System.out);
            report.print(System.out);
            System.out.println("written: " + out.resolve("bench.json") + ", " + out.resolve("bench.png"));
            return 0;
        } finally {
            if (ours) {
                stack.down();
            }
        }
    }
}
