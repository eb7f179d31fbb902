package dev.tokenstream.cli;

import dev.tokenstream.client.TokenstreamClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code pause}, {@code resume}, {@code cancel} and {@code stats} of one stream. */
final class ControlCommands {

    private ControlCommands() {
    }

    /** A command on one stream, named by its id. */
    abstract static class OnStream implements Callable<Integer> {
        @ParentCommand
        TokenstreamCli cli;
        @Parameters(paramLabel = "STREAM_ID")
        String streamId;

        /** @return the line to print */
        abstract String run(TokenstreamClient client);

        @Override
        public Integer call() {
            System.out.println(run(cli.client()));
            return 0;
        }
    }

    @Command(name = "pause", description = "Hold a stream's delivery; generation goes on upstream.")
    static final class Pause extends OnStream {
        @Override
        String run(TokenstreamClient client) {
            return "paused (command " + client.pause(streamId) + ")";
        }
    }

    @Command(name = "resume", description = "Deliver the held tokens, then go on live.")
    static final class Resume extends OnStream {
        @Override
        String run(TokenstreamClient client) {
            return "resumed (command " + client.resume(streamId) + ")";
        }
    }

    @Command(name = "cancel", description = "End a stream now and abort the provider call.")
    static final class Cancel extends OnStream {
        @Override
        String run(TokenstreamClient client) {
            return "cancelled (command " + client.cancel(streamId) + ")";
        }
    }

    @Command(name = "stats", description = "Print a stream's state and statistics.")
    static final class Stats extends OnStream {
        @Override
        String run(TokenstreamClient client) {
            var table = new ByteArrayOutputStream();
            StatsTable.print(new PrintStream(table, true), List.of(new StatsTable.Row("stream",
                    client.status(streamId))));
            return table.toString().stripTrailing();
        }
    }
}
