package dev.tokenstream.client.cli;

import dev.tokenstream.client.TokenstreamClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code pause}, {@code resume}, {@code cancel} and {@code stats} of one stream. */
final class ControlCommands {

    private ControlCommands() {
    }

    @Command(name = "pause", description = "Hold a stream's delivery; generation goes on upstream.")
    static final class Pause implements Callable<Integer> {
        @ParentCommand
        TokenstreamCli cli;
        @Parameters(paramLabel = "STREAM_ID")
        String streamId;

        @Override
        public Integer call() {
            System.out.println("paused (command " + cli.client().pause(streamId) + ")");
            return 0;
        }
    }

    @Command(name = "resume", description = "Deliver the held tokens, then go on live.")
    static final class Resume implements Callable<Integer> {
        @ParentCommand
        TokenstreamCli cli;
        @Parameters(paramLabel = "STREAM_ID")
        String streamId;

        @Override
        public Integer call() {
            System.out.println("resumed (command " + cli.client().resume(streamId) + ")");
            return 0;
        }
    }

    @Command(name = "cancel", description = "End a stream now and abort the provider call.")
    static final class Cancel implements Callable<Integer> {
        @ParentCommand
        TokenstreamCli cli;
        @Parameters(paramLabel = "STREAM_ID")
        String streamId;

        @Override
        public Integer call() {
            System.out.println("cancelled (command " + cli.client().cancel(streamId) + ")");
            return 0;
        }
    }

    @Command(name = "stats", description = "Print a stream's state and statistics.")
    static final class Stats implements Callable<Integer> {
        @ParentCommand
        TokenstreamCli cli;
        @Parameters(paramLabel = "STREAM_ID")
        String streamId;

        @Override
        public Integer call() {
            TokenstreamClient.Status status = cli.client().status(streamId);
            StatsTable.print(System.out, List.of(new StatsTable.Row(streamId, status)));
            return 0;
        }
    }
}
