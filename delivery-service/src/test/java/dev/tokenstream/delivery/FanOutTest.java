package dev.tokenstream.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.Json;
import dev.tokenstream.events.serde.JsonSerde;
import dev.tokenstream.testsupport.KafkaTestResource;
import dev.tokenstream.testsupport.TestKeys;
import dev.tokenstream.testsupport.TestKafka;
import dev.tokenstream.testsupport.WebSocketRecorder;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Delivery to many real WebSocket clients (the JDK's), slow ones and reconnecting ones, from a real broker. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
class FanOutTest {

    @TestHTTPResource("/")
    URI base;

    @Test
    void shouldGiveTwoHundredConcurrentClientsTheSameText() throws Exception {
        String id = UUID.randomUUID().toString();
        List<WebSocketRecorder> clients = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            clients.add(WebSocketRecorder.connect(ws(id, -1)));
        }
        String expected = publish(id, 300, 20, true);

        for (WebSocketRecorder client : clients) {
            assertThat(client.closed().get(60, TimeUnit.SECONDS)).isEqualTo(1000);
            assertThat(text(client.messages())).isEqualTo(expected);
            client.close();
        }
    }

    @Test
    void shouldNotLetASlowClientDelayTheOthers() throws Exception {
        String id = UUID.randomUUID().toString();
        try (var slow = WebSocketRecorder.connectStalled(ws(id, -1));
             var fast = WebSocketRecorder.connect(ws(id, -1))) {
            // About 4 MB of frames: more than the socket buffers between the server and a client that stopped reading.
            String expected = publish(id, 2000, 2000, true);

            assertThat(fast.closed().get(60, TimeUnit.SECONDS)).isEqualTo(1000);
            assertThat(text(fast.messages())).isEqualTo(expected);
            assertThat(slow.closed().isDone()).as("the stalled client is not done yet").isFalse();
            assertThat(slow.messages().size()).isLessThan(fast.messages().size());
        }
    }

    @Test
    void shouldCoalesceTokensForALaggingClientWithoutLosingText() throws Exception {
        String id = UUID.randomUUID().toString();
        String expected = publish(id, 1000, 10, true);
        try (var first = WebSocketRecorder.connect(ws(id, -1))) {
            first.closed().get(30, TimeUnit.SECONDS);
        }

        // The whole stream is in the log when this client connects: it starts 1002 frames behind.
        try (var late = WebSocketRecorder.connect(ws(id, -1))) {
            assertThat(late.closed().get(30, TimeUnit.SECONDS)).isEqualTo(1000);
            assertThat(text(late.messages())).isEqualTo(expected);
            assertThat(late.messages().size()).isLessThan(1002);
            JsonNode merged = Json.MAPPER.readTree(late.messages().get(1));
            assertThat(merged.path("coalesced").asInt()).isGreaterThan(1);
            assertThat(merged.path("seq").asLong()).isEqualTo(merged.path("coalesced").asLong());
        }
    }

    @Test
    void shouldCloseAClientThatFallsTooFarBehindWithTheSeqToResumeAfter() throws Exception {
        String id = UUID.randomUUID().toString();
        try (var stalled = WebSocketRecorder.connectStalled(ws(id, -1))) {
            // 5000 frames of 8 KB (40 MB): loopback socket buffers take about 10 MB, then writes stall and the
            // frames still arriving put the client past max-lag-frames (3000 in the test profile).
            String expected = publish(id, 5000, 8000, true);
            stalled.resumeReading();

            assertThat(stalled.closed().get(60, TimeUnit.SECONDS)).isEqualTo(4001);
            assertThat(stalled.closeReason()).startsWith("too far behind; reconnect with after=");
            long after = Long.parseLong(stalled.closeReason().substring(stalled.closeReason().indexOf('=') + 1));
            List<String> received = new ArrayList<>(stalled.messages());
            assertThat(Json.MAPPER.readTree(received.get(received.size() - 1)).path("seq").asLong()).isEqualTo(after);

            try (var resumed = WebSocketRecorder.connect(ws(id, after))) {
                assertThat(resumed.closed().get(60, TimeUnit.SECONDS)).isEqualTo(1000);
                received.addAll(resumed.messages());
            }
            assertThat(text(received)).isEqualTo(expected);
        }
    }

    @Test
    void shouldEndWithTheExactTextAfterFiveReconnectsMidStream() throws Exception {
        String id = UUID.randomUUID().toString();
        var producer = new Thread(() -> publishSlowly(id, 200));
        producer.start();
        List<String> received = new ArrayList<>();
        long after = -1;
        for (int reconnect = 0; reconnect < 5; reconnect++) {
            try (var client = WebSocketRecorder.connect(ws(id, after))) {
                int have = received.size();
                await().atMost(Duration.ofSeconds(30)).until(() -> client.messages().size() >= 10);
                received.addAll(client.messages());
                after = Json.MAPPER.readTree(received.get(received.size() - 1)).path("seq").asLong();
                assertThat(received.size()).isGreaterThan(have);
            }
        }
        try (var last = WebSocketRecorder.connect(ws(id, after))) {
            assertThat(last.closed().get(60, TimeUnit.SECONDS)).isEqualTo(1000);
            received.addAll(last.messages());
        }
        producer.join(30_000);

        List<Long> seqs = new ArrayList<>();
        for (String message : received) {
            seqs.add(Json.MAPPER.readTree(message).path("seq").asLong());
        }
        assertThat(seqs).isSorted().doesNotHaveDuplicates();
        assertThat(text(received)).isEqualTo(expectedText(200, 20));
    }

    private URI ws(String id, long after) {
        return URI.create("ws://" + base.getHost() + ":" + base.getPort() + "/v1/streams/" + id + "/ws?token="
                + TestKeys.streamToken(id) + (after < 0 ? "" : "&after=" + after));
    }

    /** Publishes started, {@code tokens} token frames of {@code size} characters and, if asked, completed. */
    private static String publish(String id, int tokens, int size, boolean complete) {
        try (var producer = producer()) {
            producer.send(record(id, 0, FrameType.STARTED, null));
            for (int i = 1; i <= tokens; i++) {
                producer.send(record(id, i, FrameType.TOKEN, token(i, size)));
            }
            if (complete) {
                producer.send(record(id, tokens + 1, FrameType.COMPLETED, null));
            }
            producer.flush();
        }
        return expectedText(tokens, size);
    }

    private static void publishSlowly(String id, int tokens) {
        try (var producer = producer()) {
            producer.send(record(id, 0, FrameType.STARTED, null));
            for (int i = 1; i <= tokens; i++) {
                producer.send(record(id, i, FrameType.TOKEN, token(i, 20)));
                producer.flush();
                TimeUnit.MILLISECONDS.sleep(10);
            }
            producer.send(record(id, tokens + 1, FrameType.COMPLETED, null));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String expectedText(int tokens, int size) {
        var text = new StringBuilder();
        for (int i = 1; i <= tokens; i++) {
            text.append(token(i, size));
        }
        return text.toString();
    }

    private static String token(int i, int size) {
        String prefix = "<" + i + ">";
        return prefix + "x".repeat(Math.max(0, size - prefix.length()));
    }

    private static KafkaProducer<String, DeliveryFrame> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 5), new StringSerializer(), JsonSerde.of(DeliveryFrame.class));
    }

    private static ProducerRecord<String, DeliveryFrame> record(String id, long seq, FrameType type, String text) {
        return new ProducerRecord<>(Topics.DELIVERIES, id, new DeliveryFrame(type, id, seq, text, 1L, null, null, null));
    }

    private static String text(List<String> messages) throws Exception {
        var text = new StringBuilder();
        for (String message : messages) {
            text.append(Json.MAPPER.readTree(message).path("text").asText(""));
        }
        return text.toString();
    }
}
