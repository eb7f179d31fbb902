package dev.tokenstream.localstack;

import dev.tokenstream.events.TopicSpec;

import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Where the local stack lives and which ports it uses. Defaults come from the environment
 * ({@code TOKENSTREAM_KAFKA_PORT}, {@code TOKENSTREAM_CONTROL_PORT}, ...), then from the documented defaults.
 *
 * @param home           the Tokenstream checkout, holding each module's {@code target/}
 * @param workDir        logs, data and the state file ({@code .tokenstream/} by default)
 * @param kafkaPort      the broker's client port (default 19092; 9092 is often taken)
 * @param controllerPort the KRaft controller port (default 19093)
 * @param controlPort    control-service HTTP port (default 8080)
 * @param deliveryPort   delivery-service HTTP and WebSocket port (default 8081)
 * @param processorPort  stream-processor HTTP port: health, metrics, interactive queries (default 8082)
 * @param ingestPort     ingest-service HTTP port, health only (default 8083)
 * @param simulatorPort  provider-simulator HTTP port (default 8089)
 * @param partitions     partitions of every stream-keyed topic (default 3)
 * @param retention      time-based retention by topic name; stream-stats is compacted and has none
 * @param topicLayout    {@code shared} (default) or {@code per-stream} ({@code TOKENSTREAM_TOPIC_LAYOUT}): where
 *                       ingest writes token events and the processor reads them
 * @param instances      instances of each service (default 1, {@code TOKENSTREAM_INSTANCES}): instance {@code i}
 *                       (from 1) of a service listens {@link #INSTANCE_PORT_STEP}{@code  * (i - 1)} above its port
 * @param brokers        Kafka brokers, each also a KRaft controller (1 or 3, default 1, {@code TOKENSTREAM_BROKERS}):
 *                       broker {@code i} listens {@link #INSTANCE_PORT_STEP}{@code  * (i - 1)} above both Kafka
 *                       ports; with 3, topics are replicated as in the prod overlay (3 replicas,
 *                       {@code min.insync.replicas} 2)
 */
public record StackSettings(Path home, Path workDir, int kafkaPort, int controllerPort, int controlPort,
                            int deliveryPort, int processorPort, int ingestPort, int simulatorPort, int partitions,
                            Map<String, Duration> retention, String topicLayout, int instances, int brokers) {

    /** Instance i of a service listens this far above instance i - 1: control-service 8080, 8090, 8100, ... */
    public static final int INSTANCE_PORT_STEP = 10;
    /** Most instances of each service the local stack runs. */
    public static final int MAX_INSTANCES = 9;

    /** Default retention of each topic with one; {@code TOKENSTREAM_RETENTION_<NAME>} (ISO-8601, e.g. P30D) overrides. */
    public static final Map<String, Duration> DEFAULT_RETENTION = TopicSpec.ALL.stream()
            .filter(topic -> !topic.compacted())
            .collect(Collectors.toUnmodifiableMap(TopicSpec::name, TopicSpec::retention));

    public StackSettings {
        retention = Map.copyOf(retention);
        if (!topicLayout.equals("shared") && !topicLayout.equals("per-stream")) {
            throw new StackException("TOKENSTREAM_TOPIC_LAYOUT must be shared or per-stream, not '" + topicLayout
                    + "'");
        }
        if (instances < 1 || instances > MAX_INSTANCES) {
            throw new StackException("instances of each service must be from 1 to " + MAX_INSTANCES + ", not "
                    + instances);
        }
        if (brokers != 1 && brokers != 3) {
            throw new StackException("brokers must be 1 or 3 (a KRaft quorum of one or of three), not " + brokers);
        }
    }

    /** @return replicas of each partition: 3 with three brokers, as in the prod overlay; 1 with one */
    public int replicationFactor() {
        return brokers;
    }

    /** @return the in-sync replicas an {@code acks=all} write needs: 2 of 3, as in the prod overlay; 1 of 1 */
    public int minInsyncReplicas() {
        return brokers == 1 ? 1 : 2;
    }

    /** @return broker {@code i}'s (from 1) client port */
    public int kafkaPort(int i) {
        return instancePort(kafkaPort, i);
    }

    /** @return broker {@code i}'s (from 1) KRaft controller port */
    public int controllerPort(int i) {
        return instancePort(controllerPort, i);
    }

    /** @return whether every stream has a token topic of its own */
    public boolean perStream() {
        return topicLayout.equals("per-stream");
    }

    /** @return the same settings with {@code layout} */
    public StackSettings withTopicLayout(String layout) {
        return new StackSettings(home, workDir, kafkaPort, controllerPort, controlPort, deliveryPort, processorPort,
                ingestPort, simulatorPort, partitions, retention, layout, instances, brokers);
    }

    /** @return the same settings with {@code count} instances of each service */
    public StackSettings withInstances(int count) {
        return new StackSettings(home, workDir, kafkaPort, controllerPort, controlPort, deliveryPort, processorPort,
                ingestPort, simulatorPort, partitions, retention, topicLayout, count, brokers);
    }

    /** @return the same settings with {@code count} brokers */
    public StackSettings withBrokers(int count) {
        return new StackSettings(home, workDir, kafkaPort, controllerPort, controlPort, deliveryPort, processorPort,
                ingestPort, simulatorPort, partitions, retention, topicLayout, instances, count);
    }

    /**
     * @param port     the first instance's port
     * @param instance the instance, from 1
     * @return the instance's port
     */
    public static int instancePort(int port, int instance) {
        return port + INSTANCE_PORT_STEP * (instance - 1);
    }

    /** @return the same settings with other ports, work folder and partitions, and the default retention */
    public static StackSettings of(Path home, Path workDir, int[] ports, int partitions) {
        return new StackSettings(home, workDir, ports[0], ports[1], ports[2], ports[3], ports[4], ports[5], ports[6],
                partitions, DEFAULT_RETENTION, "shared", 1, 1);
    }

    /** @return settings for the checkout at {@code home}, from the environment and the defaults */
    public static StackSettings fromEnvironment(Path home) {
        Map<String, String> env = System.getenv();
        return new StackSettings(home, Path.of(env.getOrDefault("TOKENSTREAM_WORK_DIR",
                home.resolve(".tokenstream").toString())),
                port(env, "TOKENSTREAM_KAFKA_PORT", 19092), port(env, "TOKENSTREAM_CONTROLLER_PORT", 19093),
                port(env, "TOKENSTREAM_CONTROL_PORT", 8080), port(env, "TOKENSTREAM_DELIVERY_PORT", 8081),
                port(env, "TOKENSTREAM_PROCESSOR_PORT", 8082), port(env, "TOKENSTREAM_INGEST_PORT", 8083),
                port(env, "TOKENSTREAM_SIMULATOR_PORT", 8089), port(env, "TOKENSTREAM_PARTITIONS", 3),
                retention(env), env.getOrDefault("TOKENSTREAM_TOPIC_LAYOUT", "shared").trim(),
                port(env, "TOKENSTREAM_INSTANCES", 1), port(env, "TOKENSTREAM_BROKERS", 1));
    }

    private static Map<String, Duration> retention(Map<String, String> env) {
        Map<String, Duration> retention = new HashMap<>(DEFAULT_RETENTION);
        for (String topic : DEFAULT_RETENTION.keySet()) {
            String name = "TOKENSTREAM_RETENTION_" + topic.substring("tokenstream.".length()).toUpperCase(Locale.ROOT)
                    .replace('-', '_');
            String value = env.get(name);
            if (value != null && !value.isBlank()) {
                try {
                    retention.put(topic, Duration.parse(value.trim()));
                } catch (DateTimeParseException e) {
                    throw new StackException(name + " must be an ISO-8601 duration such as P7D or PT12H, not '"
                            + value + "'");
                }
            }
        }
        return retention;
    }

    /** @return host:port of every broker, comma-separated */
    public String bootstrapServers() {
        return java.util.stream.IntStream.rangeClosed(1, brokers).mapToObj(i -> "localhost:" + kafkaPort(i))
                .collect(Collectors.joining(","));
    }

    /** @return the control API's base URL (the first instance's) */
    public String controlUrl() {
        return controlUrl(1);
    }

    /** @return instance {@code i}'s (from 1) control API base URL */
    public String controlUrl(int i) {
        return "http://localhost:" + instancePort(controlPort, i);
    }

    /** @return stream-processor's base URL (its interactive queries; the first instance's) */
    public String processorUrl() {
        return processorUrl(1);
    }

    /** @return instance {@code i}'s (from 1) stream-processor base URL */
    public String processorUrl(int i) {
        return "http://localhost:" + instancePort(processorPort, i);
    }

    /** @return delivery-service's base URL (the first instance's) */
    public String deliveryUrl() {
        return deliveryUrl(1);
    }

    /** @return instance {@code i}'s (from 1) delivery-service base URL */
    public String deliveryUrl(int i) {
        return "http://localhost:" + instancePort(deliveryPort, i);
    }

    /** @return the simulator's base URL */
    public String simulatorUrl() {
        return "http://localhost:" + simulatorPort;
    }

    private static int port(Map<String, String> env, String name, int fallback) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new StackException(name + " must be a number, not '" + value + "'");
        }
    }
}
