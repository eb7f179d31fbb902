package dev.tokenstream.control.messaging;

import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.ToolCall;
import dev.tokenstream.events.serde.Json;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A finished stream's answer as its clients received it, for a session's next turn: read from delivery-service's
 * {@code GET /v1/streams/{id}/events} (the frames of the deliveries topic, in order, ending with the terminal one)
 * through the Quarkus REST client's SSE support ({@link DeliveryEventsApi}) with the services' key: its token
 * frames' texts joined, and its whole tool calls.
 */
@ApplicationScoped
public class DeliveredAnswers {

    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    /**
     * The answer of a stream that ended.
     *
     * @param text      its token frames' texts, joined
     * @param toolCalls its whole tool calls
     * @param outcome   how it ended: COMPLETED, CANCELLED or FAILED
     */
    public record Answer(String text, List<ToolCall> toolCalls, StreamState outcome) {
    }

    private final Map<String, DeliveryEventsApi> clients = new ConcurrentHashMap<>();
    private final DeliveryLinks links;
    private final String serviceKey;

    public DeliveredAnswers(DeliveryLinks links,
                            @ConfigProperty(name = "tokenstream.auth.service-key") String serviceKey) {
        this.links = links;
        this.serviceKey = serviceKey;
    }

    /**
     * @param streamId a stream that ended (its events end with the terminal frame)
     * @return its answer; fails when delivery-service does not answer in time or the events end without a
     *         terminal frame
     */
    public Uni<Answer> of(String streamId) {
        var answer = new Collected();
        return client(links.baseUrl(streamId)).events(streamId, "Bearer " + serviceKey)
                // Comments (delivery's greeting and heartbeats) come as events without data.
                .select().where(event -> event.data() != null && !event.data().isBlank())
                .map(event -> frame(event.data()))
                .onItem().invoke(answer::add)
                // Up to and with the terminal frame; ending the subscription there closes the connection.
                .select().first(frame -> !frame.type().isTerminal())
                .collect().last()
                .ifNoItem().after(TIMEOUT).fail()
                .map(ignored -> answer.result(streamId));
    }

    private DeliveryEventsApi client(String baseUrl) {
        return clients.computeIfAbsent(baseUrl, url -> QuarkusRestClientBuilder.newBuilder().baseUri(URI.create(url))
                .connectTimeout(5, TimeUnit.SECONDS).build(DeliveryEventsApi.class));
    }

    /** The frames of one answer as they are read. */
    private static final class Collected {
        private final StringBuilder text = new StringBuilder();
        private final List<ToolCall> calls = new ArrayList<>();
        private StreamState outcome;

        void add(DeliveryFrame frame) {
            if (frame.type() == FrameType.TOKEN) {
                text.append(frame.text());
            } else if (frame.type() == FrameType.TOOL_CALL && frame.toolCall().complete()) {
                calls.add(frame.toolCall());
            } else if (frame.type().isTerminal()) {
                outcome = frame.type() == FrameType.COMPLETED ? StreamState.COMPLETED
                        : frame.type() == FrameType.CANCELLED ? StreamState.CANCELLED : StreamState.FAILED;
            }
        }

        Answer result(String streamId) {
            if (outcome == null) {
                throw new IllegalStateException("the events of stream " + streamId + " ended before it did");
            }
            return new Answer(text.toString(), calls, outcome);
        }
    }

    private static DeliveryFrame frame(String json) {
        try {
            return Json.MAPPER.readValue(json, DeliveryFrame.class);
        } catch (IOException e) {
            throw new IllegalStateException("delivery-service sent an event that is not a frame", e);
        }
    }
}
