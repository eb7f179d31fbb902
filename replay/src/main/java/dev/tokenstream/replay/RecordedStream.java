package dev.tokenstream.replay;

import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.StreamStats;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.TokenEventKind;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A stream as Kafka recorded it: its token events in seq order (duplicates removed), the control commands
 * sent to it, and its latest statistics when the processor published any.
 *
 * @param streamId the stream's id
 * @param topic    the topic its events were read from
 * @param events   its events, by seq
 * @param commands its pause, resume and cancel commands, in the order written
 * @param stats    its latest statistics, or null
 */
public record RecordedStream(String streamId, String topic, List<RecordedEvent> events, List<ControlCommand> commands,
                             StreamStats stats) {

    public RecordedStream {
        events = List.copyOf(events);
        commands = List.copyOf(commands);
    }

    /** @return the answer text: every token event's text, in order */
    public String text() {
        return tokens().stream().map(e -> e.event().text()).collect(Collectors.joining());
    }

    /**
     * The answer's provider tokens, one event each: a record of several ({@link TokenEvent#batch}) gives each of
     * its tokens, with its own text and time and the record's place in the topic.
     *
     * @return the token events only, in order
     */
    public List<RecordedEvent> tokens() {
        return oneTokenEach().stream().filter(e -> e.event().kind() == TokenEventKind.TOKEN).toList();
    }

    /**
     * The events with each batch ({@link TokenEvent#batch}: tokens that queued in ingest and travelled as one
     * record) split into its provider tokens, each with its own text and time and the record's seq and place.
     *
     * @return every event, one token each, in order
     */
    public List<RecordedEvent> oneTokenEach() {
        return events.stream().flatMap(e -> e.event().batch() == null ? Stream.of(e) : e.event().singles().stream()
                        .map(single -> new RecordedEvent(single, e.topic(), e.partition(), e.offset(),
                                e.timestampMillis())))
                .toList();
    }

    /** @return the STARTED event, if recorded */
    public Optional<TokenEvent> started() {
        return events.stream().map(RecordedEvent::event).filter(e -> e.kind() == TokenEventKind.STARTED).findFirst();
    }

    /** @return the terminal event (completed, failed or cancelled), if the stream ended */
    public Optional<TokenEvent> end() {
        return events.stream().map(RecordedEvent::event).filter(e -> e.kind().isTerminal()).findFirst();
    }
}
