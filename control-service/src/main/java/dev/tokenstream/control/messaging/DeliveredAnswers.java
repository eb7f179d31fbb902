package dev.tokenstream.control.messaging;

import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.ToolCall;
import dev.tokenstream.events.serde.Json;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A finished stream's answer as its clients received it, for a session's next turn: read from delivery-service's
 * {@code GET /v1/streams/{id}/events} (the frames of the deliveries topic, in order, ending with the terminal one)
 * with the services' key: its token frames' texts joined, and its whole tool calls.
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

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
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
        var request = HttpRequest.newBuilder(URI.create(links.baseUrl(streamId) + "/v1/streams/" + streamId
                + "/events")).timeout(TIMEOUT).header("Authorization", "Bearer " + serviceKey).GET().build();
        return Uni.createFrom().completionStage(() -> http.sendAsync(request, HttpResponse.BodyHandlers.ofLines()))
                .emitOn(Infrastructure.getDefaultWorkerPool()) // the lines are read as they come: blocking
                .map(response -> {
                    if (response.statusCode() != 200) {
                        throw new IllegalStateException("delivery-service answered " + response.statusCode()
                                + " for the events of stream " + streamId);
                    }
                    var text = new StringBuilder();
                    List<ToolCall> calls = new ArrayList<>();
                    var outcome = new StreamState[1];
                    response.body().takeWhile(line -> outcome[0] == null).filter(line -> line.startsWith("data:"))
                            .forEach(line -> {
                                DeliveryFrame frame = frame(line.substring("data:".length()).strip());
                                if (frame.type() == FrameType.TOKEN) {
                                    text.append(frame.text());
                                } else if (frame.type() == FrameType.TOOL_CALL && frame.toolCall().complete()) {
                                    calls.add(frame.toolCall());
                                } else if (frame.type().isTerminal()) {
                                    outcome[0] = frame.type() == FrameType.COMPLETED ? StreamState.COMPLETED
                                            : frame.type() == FrameType.CANCELLED ? StreamState.CANCELLED
                                            : StreamState.FAILED;
                                }
                            });
                    if (outcome[0] == null) {
                        throw new IllegalStateException("the events of stream " + streamId + " ended before it did");
                    }
                    return new Answer(text.toString(), calls, outcome[0]);
                });
    }

    private static DeliveryFrame frame(String json) {
        try {
            return Json.MAPPER.readValue(json, DeliveryFrame.class);
        } catch (IOException e) {
            throw new IllegalStateException("delivery-service sent an event that is not a frame", e);
        }
    }
}
