package dev.tokenstream.client.cli;

import dev.tokenstream.client.StartStream;
import dev.tokenstream.client.StreamFrame;
import dev.tokenstream.client.TokenstreamClient;
import dev.tokenstream.events.GenerationParams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code stream <prompt>}: starts a stream and prints its tokens live from the WebSocket. */
@Command(name = "stream", description = "Stream a prompt and print the tokens as they arrive.")
final class StreamCommand implements Callable<Integer> {

    @ParentCommand
    TokenstreamCli cli;

    @Parameters(paramLabel = "PROMPT", arity = "1..*", description = "the prompt")
    List<String> prompt;

    @Option(names = "--provider", defaultValue = "simulator", description = "provider name (default: ${DEFAULT-VALUE})")
    String provider;

    @Option(names = "--model", defaultValue = "sim-default", description = "model name (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--max-tokens", description = "most output tokens")
    Integer maxTokens;

    @Option(names = "--seed", description = "sampling seed")
    Long seed;

    @Option(names = "--stats", description = "print the stream's statistics at the end")
    boolean stats;

    @Override
    public Integer call() {
        TokenstreamClient client = cli.client();
        var started = client.start(StartStream.prompt(provider, model, String.join(" ", prompt),
                new GenerationParams(maxTokens, null, seed)));
        System.err.println("stream " + started.streamId());
        var end = new StreamFrame[1];
        try (var subscription = client.subscribe(started.ws(), -1, frame -> {
            if (frame.isToken()) {
                System.out.print(frame.text());
                System.out.flush();
            } else if (frame.isTerminal()) {
                end[0] = frame;
            }
        })) {
            subscription.awaitClose(Duration.ofHours(1));
        }
        System.out.println();
        if (end[0] == null) {
            System.err.println("the connection closed before the stream ended");
            return 1;
        }
        if (!"completed".equals(end[0].type())) {
            System.err.println("stream " + end[0].type() + ": " + end[0].json().path("error").path("message").asText(""));
        }
        if (stats) {
            StatsTable.print(System.out, List.of(new StatsTable.Row("stream", DemoCommand.finalStatus(client,
                    started.streamId()))));
        }
        return "completed".equals(end[0].type()) ? 0 : 2;
    }
}
