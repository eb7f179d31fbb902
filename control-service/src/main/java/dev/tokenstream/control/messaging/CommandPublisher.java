package dev.tokenstream.control.messaging;

import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.StreamRequest;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Writes stream requests to {@code tokenstream.requests} and commands to {@code tokenstream.control}, keyed by
 * stream id. Each returned {@link Uni} completes only when the broker acknowledged the write.
 */
@ApplicationScoped
public class CommandPublisher {

    private final MutinyEmitter<StreamRequest> requests;
    private final MutinyEmitter<ControlCommand> commands;

    public CommandPublisher(@Channel("requests") MutinyEmitter<StreamRequest> requests,
                            @Channel("control") MutinyEmitter<ControlCommand> commands) {
        this.requests = requests;
        this.commands = commands;
    }

    /** @return completes once Kafka has the request */
    public Uni<Void> publish(StreamRequest request) {
        return requests.sendMessage(keyed(request.streamId(), request));
    }

    /** @return completes once Kafka has the command */
    public Uni<Void> publish(ControlCommand command) {
        return commands.sendMessage(keyed(command.streamId(), command));
    }

    private static <T> Message<T> keyed(String key, T payload) {
        return Message.of(payload).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build());
    }
}
