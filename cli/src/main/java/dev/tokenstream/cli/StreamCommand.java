package dev.tokenstream.cli;

import dev.tokenstream.api.StartStreamRequest;
import dev.tokenstream.client.StreamResult;
import dev.tokenstream.client.StreamSession;
import dev.tokenstream.client.TokenstreamClient;
import dev.tokenstream.events.Buffering;
import dev.tokenstream.events.GenerationParams;
import dev.tokenstream.events.MergeMode;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.Target;
import dev.tokenstream.events.ToolDefinition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code stream <prompt>}: starts a stream and prints its tokens live, through the client SDK (reconnects by itself). */
@Command(name = "stream", description = "Stream a prompt and print the tokens as they arrive.")
final class StreamCommand implements Callable<Integer> {

    @ParentCommand
    TokenstreamCli cli;

    @Spec
    CommandSpec spec;

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

    @Option(names = "--tool", paramLabel = "NAME", description = "offer the model a tool (function) of this name "
            + "taking {\"query\": string}; repeatable. Its calls print as [tool call ...] lines")
    List<String> tools = new ArrayList<>();

    @Option(names = "--reasoning-budget", paramLabel = "TOKENS",
            description = "turn on extended thinking with this token budget (Anthropic); reasoning prints apart")
    Integer reasoningBudget;

    @Option(names = "--stats", description = "print the stream's statistics at the end")
    boolean stats;

    @Option(names = "--target", paramLabel = "PROVIDER/MODEL", description = "a merge group's target instead of "
            + "--provider and --model; 2 to 4, the first one a fallback's primary (needs --merge)")
    List<String> targets = new ArrayList<>();

    @Option(names = "--merge", paramLabel = "MODE", description = "how a merge group merges its --targets: race, "
            + "fallback or compare")
    String merge;

    @Option(names = "--first-token-timeout-ms", paramLabel = "MS",
            description = "fallback: the primary's longest time to first token (default 10000)")
    Long firstTokenTimeoutMs;

    @Option(names = "--buffering", description = "coalescing: none, words, sentences, tokens:<n>, characters:<n>, window:<ms>")
    String buffering;

    @Override
    public Integer call() throws Exception {
        TokenstreamClient client = cli.client();
        var params = new GenerationParams(maxTokens, null, seed, reasoningBudget, tools.stream()
                .map(StreamCommand::tool).toList());
        var request = (targets.isEmpty() ? StartStreamRequest.prompt(provider, model, String.join(" ", prompt), params)
                : group(params)).withBuffering(buffering == null ? null : parseBuffering(spec, buffering));
        try (StreamSession session = client.start(request, new ConsoleStreamHandler())) {
            System.err.println("stream " + session.metadata().streamId());
            StreamResult result = session.awaitResult(Duration.ofHours(1));
            if (result.state() != StreamState.COMPLETED) {
                System.err.println("stream " + result.state().name().toLowerCase(Locale.ROOT)
                        + (result.error() == null ? "" : ": " + result.error().getMessage()));
            }
            if (stats) {
                StatsTable.print(System.out, List.of(new StatsTable.Row("stream",
                        DemoCommand.finalStatus(client, session.metadata().streamId()))));
            }
            return result.state() == StreamState.COMPLETED ? 0 : 2;
        }
    }

    private StartStreamRequest group(GenerationParams params) {
        MergeMode mode;
        try {
            mode = MergeMode.fromWire(merge == null ? "" : merge);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--target needs --merge race, fallback or compare");
        }
        List<Target> parsed = new ArrayList<>();
        for (String target : targets) {
            int slash = target.indexOf('/');
            if (slash <= 0 || slash == target.length() - 1) {
                throw new ParameterException(spec.commandLine(), "--target must be PROVIDER/MODEL, not '" + target + "'");
            }
            parsed.add(new Target(target.substring(0, slash), target.substring(slash + 1)));
        }
        var request = StartStreamRequest.group(mode, parsed, String.join(" ", prompt), params);
        return firstTokenTimeoutMs == null ? request : request.withFirstTokenTimeout(Duration.ofMillis(firstTokenTimeoutMs));
    }

    private static ToolDefinition tool(String name) {
        return new ToolDefinition(name, "Looks up " + name.replace('_', ' ') + " for a query.", Map.of(
                "type", "object", "properties", Map.of("query", Map.of("type", "string")), "required", List.of("query")));
    }

    /**
     * @param value {@code none}, {@code words}, {@code sentences}, {@code tokens:<n>}, {@code characters:<n>} or
     *              {@code window:<ms>}
     * @throws ParameterException naming the option, for any other value
     */
    static Buffering parseBuffering(CommandSpec spec, String value) {
        int colon = value.indexOf(':');
        try {
            var mode = Buffering.Mode.fromWire(colon < 0 ? value : value.substring(0, colon));
            return new Buffering(mode, colon < 0 ? null : Integer.valueOf(value.substring(colon + 1)));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--buffering must be none, words, sentences, tokens:<n>,"
                    + " characters:<n> or window:<ms>, not '" + value + "'");
        }
    }
}
