package dev.tokenstream.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Points a {@code @QuarkusTest} at the shared test broker ({@link TestKafka}) and creates the contract topics.
 * Use with {@code @QuarkusTestResource(KafkaTestResource.class)}.
 */
public class KafkaTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        String servers = TestKafka.bootstrapServers();
        TestKafka.createContractTopics(3);
        return Map.of(
                "kafka.bootstrap.servers", servers,
                "quarkus.kafka-streams.bootstrap-servers", servers,
                "quarkus.kafka.devservices.enabled", "false");
    }

    @Override
    public void stop() {
        // the broker is shared by every test class of the JVM and stops at exit
    }
}
