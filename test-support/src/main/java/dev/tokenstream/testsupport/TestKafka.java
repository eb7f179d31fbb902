package dev.tokenstream.testsupport;

import dev.tokenstream.events.TopicSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;

/**
 * A real Kafka broker for tests: the one named by {@code KAFKA_BOOTSTRAP_SERVERS} when set, otherwise a
 * single-node KRaft cluster (combined broker and controller) from Kafka's own test kit, started once per JVM.
 * Not a mock: clients talk to it over TCP. It is deliberately not closed at JVM exit: closing it from a
 * shutdown hook raced with the JVM's own shutdown and made Kafka halt the test JVM with a failure code after
 * every test had passed (one run in three). Its data lives in a unique folder under {@code target/}.
 */
public final class TestKafka {

    private static String bootstrapServers;

    private TestKafka() {
    }

    /** @return host:port of the shared broker, starting it on first use (3 to 6 s). */
    public static synchronized String bootstrapServers() {
        if (bootstrapServers == null) {
            String external = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
            bootstrapServers = external != null && !external.isBlank() ? external : startEmbedded();
        }
        return bootstrapServers;
    }

    /**
     * Creates the topics of the contract ({@link TopicSpec#ALL}) with {@code partitions} partitions each, ignoring
     * those that exist.
     *
     * @param partitions partitions per topic
     */
    public static void createContractTopics(int partitions) {
        createTopics(partitions, TopicSpec.ALL.stream().map(TopicSpec::name).toArray(String[]::new));
    }

    /** Creates {@code names} with {@code partitions} partitions each, ignoring those that exist. */
    public static void createTopics(int partitions, String... names) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            List<NewTopic> topics = new ArrayList<>();
            for (String name : names) {
                topics.add(new NewTopic(name, partitions, (short) 1));
            }
            for (var result : admin.createTopics(topics).values().values()) {
                try {
                    result.get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create test topics", e.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String startEmbedded() {
        try {
            Path data = Path.of("target", "kafka-test-kit", UUID.randomUUID().toString()).toAbsolutePath();
            Files.createDirectories(data);
            var cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                    .setBaseDirectory(data)
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
                    .build())
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    // The services' groups run with 1 s session timeouts (docs/scaling.md "Failover").
                    .setConfigProp("group.min.session.timeout.ms", "1000")
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("num.partitions", "3")
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return cluster.bootstrapServers();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the embedded KRaft broker", e);
        }
    }
}
