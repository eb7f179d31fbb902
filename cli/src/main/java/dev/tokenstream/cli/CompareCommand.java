package dev.tokenstream.cli;

import dev.tokenstream.replay.RecordedStream;
import dev.tokenstream.replay.StreamLog;
import dev.tokenstream.replay.StreamSummary;
import dev.tokenstream.replay.TextSimilarity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code compare <streamId> <streamId>...}: finished streams side by side, and how alike their answers are. */
@Command(name = "compare", description = "Compare finished streams: TTFT, ITL, tokens/s, length, usage, text similarity.")
final class CompareCommand implements Callable<Integer> {

    @ParentCommand
    TokenstreamCli cli;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "STREAM_ID", arity = "2..*", description = "two or more stream ids; the first is the reference")
    List<String> streamIds;

    @Override
    public Integer call() {
        List<RecordedStream> streams = new ArrayList<>();
        try (var log = new StreamLog(cli.bootstrapServers())) {
            for (String id : streamIds) {
                streams.add(log.read(id));
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%-36s %-24s %-10s %10s %10s %10s %9s %7s %7s %13s %10s%n", "STREAM", "PROVIDER/MODEL", "END", "TTFT",
                "ITL p50", "ITL p95", "tokens/s", "tokens", "chars", "usage in/out", "similarity");
        String reference = streams.get(0).text();
        for (RecordedStream stream : streams) {
            StreamSummary s = StreamSummary.of(stream);
            out.printf("%-36s %-24s %-10s %10s %10s %10s %9s %7d %7d %13s %10.3f%n", s.streamId(),
                    s.provider() + "/" + s.model(), s.end(), ReplayCommand.ms(s.ttftMillis()),
                    ReplayCommand.ms(s.itlP50Millis()), ReplayCommand.ms(s.itlP95Millis()),
                    s.tokensPerSecond() == null ? "-" : String.format("%.1f", s.tokensPerSecond()), s.tokens(),
                    s.characters(), s.usage() == null ? "-" : ReplayCommand.orDash(s.usage().inputTokens()) + "/"
                            + ReplayCommand.orDash(s.usage().outputTokens()),
                    TextSimilarity.ratio(reference, stream.text()));
        }
        out.println("similarity: 2 x common words in order / all words, against the first stream (1 = same text).");
        out.flush();
        return 0;
    }
}
