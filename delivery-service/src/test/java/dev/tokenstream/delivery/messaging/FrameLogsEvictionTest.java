package dev.tokenstream.delivery.messaging;

import dev.tokenstream.delivery.config.DeliveryConfig;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.DeliveryOwners;
import dev.tokenstream.events.StreamIds;
import dev.tokenstream.events.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Memory stays bounded: past the most finished streams kept, those idle longest go first; and when a partition moves
 * to another instance, only the streams clients here still read stay, fed from the new owner.
 */
class FrameLogsEvictionTest {

    private final Vertx vertx = Vertx.vertx();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Map<String, Object> kafka = Map.of("bootstrap.servers", "localhost:1");
    private final PartitionOwners owners = new PartitionOwners(kafka, DeliveryOwners.GROUP, config(2));
    private final OwnerFeeds feeds = new OwnerFeeds(vertx, owners, "unused", registry);
    private final FrameLogs logs = new FrameLogs(config(2), vertx, new DeliveryBackfill(kafka, registry), owners,
            feeds, registry);

    @BeforeEach
    void ownEveryPartition() {
        owners.assigned(List.of(new TopicPartition(Topics.DELIVERIES, 0)), 1);
    }

    @AfterEach
    void close() {
        vertx.close();
    }

    @Test
    void shouldDropTheFinishedStreamsIdleLongestPastTheMostKept() {
        List<String> finished = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String id = StreamIds.newId();
            finished.add(id);
            logs.append(id, frame(0, "started", false));
            logs.append(id, frame(1, "completed", true));
            long appended = System.nanoTime();
            while (System.nanoTime() == appended) {
                Thread.onSpinWait();
            }
        }
        String running = StreamIds.newId();
        logs.append(running, frame(0, "started", false));

        logs.evict();

        assertThat(logs.streamCount()).isEqualTo(3);
        assertThat(logs.isHeld(finished.get(0))).isFalse();
        assertThat(logs.isHeld(finished.get(1))).isFalse();
        assertThat(logs.isHeld(finished.get(2))).isTrue();
        assertThat(logs.isHeld(finished.get(3))).isTrue();
        assertThat(logs.isHeld(running)).as("a stream still running is never dropped for the bound").isTrue();
    }

    @Test
    void shouldKeepOnlyTheStreamsClientsReadWhenTheirPartitionMovesAway() {
        String read = StreamIds.newId();
        String unread = StreamIds.newId();
        String finished = StreamIds.newId();
        for (String id : List.of(read, unread, finished)) {
            logs.append(id, frame(0, "started", false));
        }
        logs.append(finished, frame(1, "completed", true));
        var client = new FrameLogBackfillTest.RecordingSink();
        logs.subscribe(read, -1, client);
        assertThat(client.seqs).containsExactly(0L);

        owners.revoked(List.of(new TopicPartition(Topics.DELIVERIES, 0)));
        logs.handOver(java.util.Set.of(0));

        assertThat(logs.isHeld(read)).as("a stream a client reads stays, fed from the new owner").isTrue();
        assertThat(feeds.isFollowing(read)).isTrue();
        assertThat(logs.isHeld(unread)).as("nobody reads it here: its new owner holds it").isFalse();
        assertThat(logs.isHeld(finished)).isFalse();
        assertThat(feeds.isFollowing(unread)).isFalse();

        logs.append(unread, frame(1, "token", false));
        assertThat(logs.isHeld(unread)).as("a late record of the partition that moved is not taken in").isFalse();
    }

    private static Frame frame(long seq, String type, boolean terminal) {
        FrameType frameType = FrameType.fromWire(type);
        assertThat(frameType.isTerminal()).isEqualTo(terminal);
        return new Frame(seq, frameType, "{\"type\":\"" + type + "\",\"seq\":" + seq + "}", null, 1, 0);
    }

    static DeliveryConfig config(int maxFinishedStreams) {
        return new DeliveryConfig() {
            @Override
            public Duration replayWindow() {
                return Duration.ofHours(1);
            }

            @Override
            public Duration retainFinished() {
                return Duration.ofMinutes(30);
            }

            @Override
            public int maxFinishedStreams() {
                return maxFinishedStreams;
            }

            @Override
            public int coalesceLagFrames() {
                return 64;
            }

            @Override
            public int maxCoalescedFrames() {
                return 512;
            }

            @Override
            public int maxLagFrames() {
                return 5000;
            }

            @Override
            public String advertisedUrl() {
                return "http://localhost:8081";
            }

            @Override
            public String controlPublicUrl() {
                return "http://localhost:8080";
            }

            @Override
            public String facadeDefaultProvider() {
                return "simulator";
            }

            @Override
            public java.util.Optional<java.util.List<String>> allowedOrigins() {
                return java.util.Optional.empty();
            }

            @Override
            public Duration sseHeartbeat() {
                return Duration.ofSeconds(15);
            }

            @Override
            public Duration aiSdkResumeGrace() {
                return Duration.ofSeconds(10);
            }
        };
    }
}
