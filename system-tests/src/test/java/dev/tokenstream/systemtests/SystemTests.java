package dev.tokenstream.systemtests;

import dev.tokenstream.events.GenerationParams;
import dev.tokenstream.events.serde.Json;
import dev.tokenstream.localstack.LocalStack;
import dev.tokenstream.localstack.StackSettings;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** What the whole-stack test classes share: free ports for a stack, and the simulator's undisturbed answers. */
final class SystemTests {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private SystemTests() {
    }

    /** The repository's root, where the built jars are. */
    static Path home() {
        return Path.of(System.getProperty("tokenstream.home", "..")).toAbsolutePath().normalize();
    }

    /**
     * Starts a local stack of its own on free ports, under {@code system-tests/target/<name>} (where the services'
     * logs stay to read when a test fails), and waits until it is ready.
     *
     * @param name   the folder of its data and logs
     * @param layout the topic layout, shared or per-stream
     * @return the running stack; stop it with {@link LocalStack#down()}
     */
    static LocalStack startStack(String name, String layout) throws IOException {
        return startStack(name, layout, 1, 3);
    }

    /**
     * {@link #startStack(String, String)} with {@code instances} of each service and {@code partitions} per topic.
     */
    static LocalStack startStack(String name, String layout, int instances, int partitions) throws IOException {
        return startStack(name, layout, instances, partitions, 1);
    }

    /** {@link #startStack(String, String, int, int)} with {@code brokers} Kafka brokers (1 or 3). */
    static LocalStack startStack(String name, String layout, int instances, int partitions, int brokers)
            throws IOException {
        Path home = home();
        var settings = StackSettings.of(home, home.resolve("system-tests/target/" + name),
                freePorts(7, Math.max(instances, brokers)), partitions).withTopicLayout(layout)
                .withInstances(instances).withBrokers(brokers);
        var stack = new LocalStack(settings, new PrintStream(System.out, true));
        stack.up();
        return stack;
    }

    /**
     * Ports free now for a local stack's processes, each with its instances' ports
     * ({@link StackSettings#instancePort}) and management ports (1000 above) free too.
     */
    private static int[] freePorts(int count, int instances) throws IOException {
        while (true) {
            int[] ports = freePorts(count);
            if (Arrays.stream(ports).allMatch(port -> isFree(port, instances))) {
                return ports;
            }
        }
    }

    private static boolean isFree(int port, int instances) {
        for (int i = 1; i <= instances; i++) {
            for (int candidate : new int[] {StackSettings.instancePort(port, i),
                    StackSettings.instancePort(port, i) + 1000}) {
                if (candidate > 65535) {
                    return false;
                }
                try (ServerSocket socket = new ServerSocket(candidate)) {
                    socket.setReuseAddress(true);
                } catch (IOException e) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Ports free now, for a local stack's processes.
     *
     * @param count how many
     * @return distinct free ports
     */
    static int[] freePorts(int count) throws IOException {
        int[] ports = new int[count];
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                var socket = new ServerSocket(0);
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
        return ports;
    }

    /**
     * The simulator's whole answer to a prompt, asked directly (no Tokenstream in between): the text a stream of the
     * same model, prompt and parameters must deliver.
     */
    static String simulatorAnswer(LocalStack stack, String model, String prompt, GenerationParams params)
            throws Exception {
        String body = Json.MAPPER.writeValueAsString(Json.MAPPER.createObjectNode().put("model", model)
                .put("max_tokens", params.maxTokens()).put("seed", params.seed())
                .set("messages", Json.MAPPER.createArrayNode().add(Json.MAPPER.createObjectNode()
                        .put("role", "user").put("content", prompt))));
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                        URI.create(stack.settings().simulatorUrl() + "/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return Json.MAPPER.readTree(response.body()).path("choices").path(0).path("message").path("content").asText();
    }

    /** {@link #simulatorAnswer}, asked on another thread: as long as the stream itself, it runs beside it. */
    static CompletableFuture<String> simulatorAnswerAsync(LocalStack stack, String model, String prompt,
                                                          GenerationParams params) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return simulatorAnswer(stack, model, prompt, params);
            } catch (Exception e) {
                throw new IllegalStateException("the simulator's undisturbed answer", e);
            }
        });
    }

    /** @return the longest time between two consecutive arrivals ({@link System#nanoTime()} values), ms */
    static long longestGapMillis(List<Long> arrivalNanos) {
        long longest = 0;
        for (int i = 1; i < arrivalNanos.size(); i++) {
            longest = Math.max(longest, (arrivalNanos.get(i) - arrivalNanos.get(i - 1)) / 1_000_000);
        }
        return longest;
    }
}
