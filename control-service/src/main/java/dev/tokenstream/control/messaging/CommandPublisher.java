package dev.tokenstream.control.messaging;

import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.Merge;
import dev.tokenstream.events.StreamRequest;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Writes stream requests to {@code tokenstream.requests} and commands to {@code tokenstream.control}, keyed by
 * stream id (a merge group member's by its group's id, {@link Merge#partitionKey}). Each returned {@link Uni} completes only when the broker acknowledged the write. Metrics:
 * {@code tokenstream_control_command_duration_seconds} (a command handed over to the broker's acknowledgement,
 * tags {@code action} and {@code outcome} = acknowledged or failed) and {@code tokenstream_streams_requested_total}
 * (tag {@code gen_ai_provider_name}).
 */
@ApplicationScoped
public class CommandPublisher {

    private final MutinyEmitter<StreamRequest> requests;
    private final MutinyEmitter<ControlCommand> commands;
    private final MeterRegistry registry;

    public CommandPublisher(@Channel("requests") MutinyEmitter<StreamRequest> requests,
                            @Channel("control") MutinyEmitter<ControlCommand> commands, MeterRegistry registry) {
        this.requests = requests;
        this.commands = commands;
        this.registry = registry;
    }

    /** @return completes once Kafka has the request */
    public Uni<Void> publish(StreamRequest request) {
        return requests.sendMessage(keyed(Merge.partitionKey(request.streamId()), request))
                .onItem().invoke(() -> registry.counter("tokenstream.streams.requested",
                        "gen_ai.provider.name", String.valueOf(request.provider())).increment());
    }

    /** @return completes once Kafka has the command */
    public Uni<Void> publish(ControlCommand command) {
        String action = command.action().name().toLowerCase(Locale.ROOT);
        return Uni.createFrom().deferred(() -> {
            long start = System.nanoTime();
            return commands.sendMessage(keyed(Merge.partitionKey(command.streamId()), command))
                    .onItemOrFailure().invoke((ok, failure) -> Timer.builder("tokenstream.control.command.duration")
                            .description("A control command handed to Kafka until the broker acknowledged it")
                            .tags("action", action, "outcome", failure == null ? "acknowledged" : "failed")
                            .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                            .maximumExpectedValue(Duration.ofSeconds(30)).register(registry)
                            .record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
        });
    }

    private static <T> Message<T> keyed(String key, T payload) {
        return Message.of(payload).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build());
    }
}
