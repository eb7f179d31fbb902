package dev.tokenstream.cli;

import dev.tokenstream.client.TokenstreamClient;
import dev.tokenstream.client.TokenstreamException;
import dev.tokenstream.localstack.DevCredentials;
import dev.tokenstream.localstack.LocalStack;
import dev.tokenstream.localstack.StackException;
import dev.tokenstream.localstack.StackSettings;
import dev.tokenstream.replay.ReplayException;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Path;

/** The {@code tokenstream} command line. The {@code ./tokenstream} script builds what is needed and runs it. */
@Command(name = "tokenstream", mixinStandardHelpOptions = true, version = "tokenstream 0.1.0",
        description = "Streams LLM responses token by token through Apache Kafka.",
        subcommands = {DemoCommand.class, StackCommands.Up.class, StackCommands.Down.class, StackCommands.Status.class,
            StreamCommand.class, ControlCommands.Pause.class, ControlCommands.Resume.class,
            ControlCommands.Cancel.class, ControlCommands.Stats.class, ReplayCommand.class, ExportCommand.class,
            CompareCommand.class, BenchCommand.class, KeysCommand.class})
public final class TokenstreamCli {

    @Option(names = "--control-url", scope = CommandLine.ScopeType.INHERIT,
            description = "control-service base URL (default: $TOKENSTREAM_CONTROL_URL, else the local stack's)")
    String controlUrl;

    @Option(names = "--api-key", scope = CommandLine.ScopeType.INHERIT,
            description = "the tenant's API key (default: $TOKENSTREAM_API_KEY, else the local stack's development key)")
    String apiKey;

    @Option(names = "--bootstrap-servers", scope = CommandLine.ScopeType.INHERIT,
            description = "Kafka for replay, export and compare (default: $KAFKA_BOOTSTRAP_SERVERS, else the local stack's)")
    String bootstrapServers;

    /** @return the Kafka cluster named by --bootstrap-servers, the environment or the local stack */
    String bootstrapServers() {
        if (bootstrapServers != null) {
            return bootstrapServers;
        }
        String env = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
        return env != null && !env.isBlank() ? env : stack().settings().bootstrapServers();
    }

    /** @return the local stack of this checkout ({@code -Dtokenstream.home}, else the working directory) */
    LocalStack stack() {
        Path home = Path.of(System.getProperty("tokenstream.home", ".")).toAbsolutePath().normalize();
        return new LocalStack(StackSettings.fromEnvironment(home), System.out);
    }

    /** @return a client of the control API named by --control-url, the environment or the local stack */
    TokenstreamClient client() {
        String url = controlUrl != null ? controlUrl : System.getenv("TOKENSTREAM_CONTROL_URL");
        if (url == null || url.isBlank()) {
            url = stack().settings().controlUrl();
        }
        return new TokenstreamClient(URI.create(url), apiKey());
    }

    /** @return the API key of --api-key, the environment, or the local stack's development key; null for none */
    String apiKey() {
        if (apiKey != null) {
            return apiKey;
        }
        String env = System.getenv(TokenstreamClient.API_KEY_ENV);
        return env != null && !env.isBlank() ? env : DevCredentials.devApiKey(stack().settings().workDir())
                .orElse(null);
    }

    /** @return the command line, with enum values case-insensitive and expected failures as one-line errors */
    public static CommandLine commandLine() {
        var commandLine = new CommandLine(new TokenstreamCli());
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof StackException || e instanceof TokenstreamException || e instanceof ReplayException
                    || e instanceof KafkaException || e instanceof IllegalStateException) {
                cmd.getErr().println("error: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return commandLine;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
