package dev.tokenstream.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.HashMap;
import java.util.Map;

/**
 * Points a {@code @QuarkusTest} at the shared test broker ({@link TestKafka}), creates the contract topics and
 * writes the test API keys ({@link TestKeys}), whose service key and stream-token secret it configures.
 * Use with {@code @QuarkusTestResource(KafkaTestResource.class)}.
 */
public class KafkaTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        String servers = TestKafka.bootstrapServers();
        TestKafka.createContractTopics(3);
        TestKeys.publish(servers);
        Map<String, String> config = new HashMap<>(TestKeys.config());
        config.put("kafka.bootstrap.servers", servers);
        config.put("quarkus.kafka-streams.bootstrap-servers", servers);
        config.put("quarkus.kafka.devservices.enabled", "false");
        return config;
    }

    @Override
    public void stop() {
        // the broker is shared by every test class of the JVM and stops at exit
    }
}
