package dev.tokenstream.ingest;

import dev.tokenstream.events.ChatMessage;
import dev.tokenstream.events.GenerationParams;
import dev.tokenstream.events.StreamRequest;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.TokenEventKind;
import dev.tokenstream.events.ToolCall;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.JsonSerde;
import dev.tokenstream.testsupport.TopicProbe;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Sends stream requests to ingest through the broker and reads back the token events it publishes. */
final class IngestStreams {

    private IngestStreams() {
    }

    /** @return the id of a new stream of {@code model} on {@code provider}, its request on the requests topic */
    static String request(String provider, String model) {
        return request(provider, model, GenerationParams.DEFAULTS);
    }

    /** @return the id of a new stream of {@code model} on {@code provider} with {@code params} */
    static String request(String provider, String model, GenerationParams params) {
        return request(provider, model, List.of(ChatMessage.user("What's the weather in San Francisco?")), params);
    }

    /** @return the id of a new stream of {@code model} on {@code provider} sent {@code messages} */
    static String request(String provider, String model, List<ChatMessage> messages, GenerationParams params) {
        String id = UUID.randomUUID().toString();
        TopicProbe.send(Topics.REQUESTS, id, new StreamRequest(id, provider, model, messages, params, 42L),
                JsonSerde.of(StreamRequest.class));
        return id;
    }

    static List<TokenEvent> eventsUntilEnd(String id) {
        return eventsUntil(id, e -> e.kind().isTerminal());
    }

    /** @return the stream's events up to the first that matches {@code until}, which must come within 20 s */
    static List<TokenEvent> eventsUntil(String id, Predicate<TokenEvent> until) {
        List<TokenEvent> events = TopicProbe.tokenEventsUntil(id, list -> list.stream().anyMatch(until),
                Duration.ofSeconds(20));
        assertThat(events).as("events of stream %s", id).anyMatch(until);
        return events;
    }

    /** @return the joined text of the events of {@code kind} */
    static String text(List<TokenEvent> events, TokenEventKind kind) {
        return events.stream().filter(e -> e.kind() == kind).map(TokenEvent::text).collect(Collectors.joining());
    }

    /**
     * The answer's provider tokens one event each: ingest writes the tokens that queued behind a record in flight
     * as one record.
     *
     * @return the TOKEN events' singles, in order
     */
    static List<TokenEvent> tokens(List<TokenEvent> events) {
        return events.stream().filter(e -> e.kind() == TokenEventKind.TOKEN).flatMap(e -> e.singles().stream())
                .toList();
    }

    /** @return the whole tool calls */
    static List<ToolCall> toolCalls(List<TokenEvent> events) {
        return events.stream().filter(e -> e.kind() == TokenEventKind.TOOL_CALL).map(TokenEvent::toolCall).toList();
    }

    static TokenEvent last(List<TokenEvent> events) {
        return events.get(events.size() - 1);
    }
}
