package dev.tokenstream.ingest.messaging;

import dev.tokenstream.events.KafkaConnection;
import dev.tokenstream.events.Topics;
import dev.tokenstream.ingest.config.IngestConfig;
import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The per-stream topic layout (docs/design.md, "Topic layout"): each stream's token events in a topic of its own,
 * {@code tokenstream.tokens.<streamId>}, one partition, created before the stream's first event (about 35 ms
 * on one broker), with {@code ingest.per-stream-retention}. In the shared layout (the default) nothing is made
 * and events go to {@code tokenstream.tokens}.
 */
@ApplicationScoped
public class StreamTopics {

    private static final long CREATE_TIMEOUT_SECONDS = 30;

    private final boolean perStream;
    private final IngestConfig config;
    private final Map<String, Object> connection;
    private volatile Admin admin;

    public StreamTopics(IngestConfig config, @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.config = config;
        this.connection = KafkaConnection.of(kafka);
        this.perStream = switch (config.topicLayout()) {
            case "shared" -> false;
            case "per-stream" -> true;
            default -> throw new IllegalArgumentException("ingest.topic-layout must be shared or per-stream, not '"
                    + config.topicLayout() + "'");
        };
    }

    /**
     * @param first whether the event is the stream's first (seq 0): its topic is made then
     * @return the stream's own topic in the per-stream layout; empty in the shared layout
     * @throws IllegalStateException when the topic cannot be made
     */
    public Optional<String> topicOf(String streamId, boolean first) {
        if (!perStream) {
            return Optional.empty();
        }
        String topic = Topics.TOKENS + "." + streamId;
        if (first) {
            create(topic);
        }
        return Optional.of(topic);
    }

    private void create(String topic) {
        var newTopic = new NewTopic(topic, Optional.of(1), Optional.of(config.perStreamReplicationFactor()))
                .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG,
                        String.valueOf(config.perStreamRetention().toMillis())));
        long start = System.nanoTime();
        try {
            admin().createTopics(List.of(newTopic)).all().get(CREATE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            Log.debugf("topic %s created in %.1f ms", topic, (System.nanoTime() - start) / 1e6);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topic " + topic + ": " + e.getCause().getMessage(),
                        e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + topic, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("topic " + topic + " was not created in " + CREATE_TIMEOUT_SECONDS
                    + " s", e);
        }
    }

    private Admin admin() {
        if (admin == null) {
            synchronized (this) {
                if (admin == null) {
                    admin = Admin.create(connection);
                }
            }
        }
        return admin;
    }

    @PreDestroy
    void close() {
        if (admin != null) {
            admin.close();
        }
    }
}
