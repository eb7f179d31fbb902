package dev.tokenstream.testsupport;

import dev.tokenstream.events.ControlAction;
import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.Micros;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.StreamStats;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.Usage;
import dev.tokenstream.events.serde.JsonSerde;

import java.util.List;
import java.util.UUID;

/**
 * Writes recorded streams to the test broker as ingest, control-service and the processor would have: token
 * events 20 ms apart after a 100 ms first token, optional pause and resume commands, a terminal event and stats.
 */
public final class RecordedStreams {

    /** Tokens every stream written here carries. */
    public static final List<String> TOKENS = List.of("Kafka", " keeps", " every", " token", " in", " order", ".");

    private RecordedStreams() {
    }

    /** Writes a completed stream; with {@code pausedMillis > 0}, a pause after the third token and a resume. */
    public static String completed(long pausedMillis) {
        String id = "rec-" + UUID.randomUUID();
        long t0 = Micros.now() - 10_000_000;
        send(TokenEvent.started(id, 0, "simulator", "sim-fast", t0, t0 + 10_000, t0 + 10_000));
        for (int i = 0; i < TOKENS.size(); i++) {
            send(TokenEvent.token(id, i + 1, TOKENS.get(i), t0 + 110_000 + i * 20_000L));
            if (i == 2 && pausedMillis > 0) {
                command(id, ControlAction.PAUSE, t0 + 160_000);
                command(id, ControlAction.RESUME, t0 + 160_000 + pausedMillis * 1000);
            }
        }
        long end = t0 + 110_000 + TOKENS.size() * 20_000L;
        send(TokenEvent.completed(id, TOKENS.size() + 1, "stop", new Usage(9L, 7L, null, null), end));
        stats(id, StreamState.COMPLETED, t0, "stop");
        return id;
    }

    /** Writes a stream cancelled after its third token. */
    public static String cancelled() {
        String id = "rec-" + UUID.randomUUID();
        long t0 = Micros.now() - 10_000_000;
        send(TokenEvent.started(id, 0, "simulator", "sim-slow", t0, t0, t0));
        for (int i = 0; i < 3; i++) {
            send(TokenEvent.token(id, i + 1, TOKENS.get(i), t0 + 100_000 + i * 20_000L));
        }
        command(id, ControlAction.CANCEL, t0 + 150_000);
        send(TokenEvent.cancelled(id, 4, new Usage(null, 3L, null, null), t0 + 155_000));
        stats(id, StreamState.CANCELLED, t0, "cancelled");
        return id;
    }

    /** Writes only the statistics of a stream, as if its events had passed the retention of the tokens topic. */
    public static String expired() {
        String id = "rec-" + UUID.randomUUID();
        stats(id, StreamState.COMPLETED, Micros.now() - 30_000_000, "stop");
        return id;
    }

    private static void send(TokenEvent event) {
        TopicProbe.send(Topics.TOKENS, event.streamId(), event, JsonSerde.of(TokenEvent.class));
    }

    private static void command(String id, ControlAction action, long atMicros) {
        TopicProbe.send(Topics.CONTROL, id, new ControlCommand(UUID.randomUUID().toString(), id, action, atMicros),
                JsonSerde.of(ControlCommand.class));
    }

    private static void stats(String id, StreamState state, long acceptedAtMicros, String finishReason) {
        TopicProbe.send(Topics.STREAM_STATS, id, new StreamStats(id, state, "simulator", "sim-fast", acceptedAtMicros,
                        100.0, 100.0, 20.0, 20.0, 20.0, 50.0, 7, null, 250.0, 0, finishReason, null,
                        acceptedAtMicros + 300_000),
                JsonSerde.of(StreamStats.class));
    }
}
