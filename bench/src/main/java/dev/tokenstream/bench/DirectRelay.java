package dev.tokenstream.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The direct relay ({@code direct-relay} module) as its own JVM for the benchmark, on a free port. */
public final class DirectRelay implements AutoCloseable {

    private static final long READY_SECONDS = 60;

    private final Process process;
    private final int port;

    private DirectRelay(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Starts the relay without its floor path.
     *
     * @see #start(Path, String, String, int, Path)
     */
    public static DirectRelay start(Path home, String simulatorUrl, Path log) throws IOException, InterruptedException {
        return start(home, simulatorUrl, null, 0, log);
    }

    /**
     * Starts the relay from {@code <home>/direct-relay/target/quarkus-app}, streaming from the simulator at
     * {@code simulatorUrl}, and waits until it is ready.
     *
     * @param bootstrapServers the broker of the floor path ({@code /floor}: two bare Kafka hops), or null for none
     * @param partitions       the floor topics' partitions, as the stack's topics have
     * @throws IllegalStateException when it is not built or not ready within a minute (its log says why)
     */
    public static DirectRelay start(Path home, String simulatorUrl, String bootstrapServers, int partitions, Path log)
            throws IOException, InterruptedException {
        Path jar = home.resolve("direct-relay/target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the direct relay is not built: " + jar + " (./mvnw -DskipTests package)");
        }
        int port;
        try (var socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Files.createDirectories(log.getParent());
        var builder = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Dquarkus.http.port=" + port, "-jar", jar.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("SIMULATOR_BASE_URL", simulatorUrl + "/v1");
        if (bootstrapServers != null) {
            builder.environment().put("KAFKA_BOOTSTRAP_SERVERS", bootstrapServers);
            builder.environment().put("TOKENSTREAM_PARTITIONS", String.valueOf(partitions));
        }
        var relay = new DirectRelay(builder.start(), port);
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_SECONDS);
        while (System.nanoTime() < deadline) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/q/health/ready"))
                        .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return relay;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        relay.close();
        throw new IllegalStateException("the direct relay was not ready within " + READY_SECONDS + " s; see " + log);
    }

    /** @return the relay's process id */
    public long pid() {
        return process.pid();
    }

    /** @return the relay's WebSocket base URL */
    public URI webSocket() {
        return URI.create("ws://localhost:" + port);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
