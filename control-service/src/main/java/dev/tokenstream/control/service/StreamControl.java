package dev.tokenstream.control.service;

import dev.tokenstream.api.CommandAccepted;
import dev.tokenstream.api.StreamStatus;
import dev.tokenstream.auth.Caller;
import dev.tokenstream.control.messaging.CommandPublisher;
import dev.tokenstream.control.messaging.StreamDirectory;
import dev.tokenstream.control.problem.ProblemException;
import dev.tokenstream.control.problem.ProblemException.Reason;
import dev.tokenstream.events.ControlAction;
import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.Micros;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Locale;
import java.util.UUID;

/**
 * A started stream's status and its commands: reads what the processor knows of it ({@link StreamDirectory}),
 * checks the caller may see or control it, and writes pause, resume and cancel to {@code tokenstream.control},
 * answering once Kafka acknowledged. Another tenant's stream is answered as if it did not exist.
 */
@ApplicationScoped
public class StreamControl {

    private final CommandPublisher publisher;
    private final StreamDirectory directory;
    private final StreamLinker linker;

    public StreamControl(CommandPublisher publisher, StreamDirectory directory, StreamLinker linker) {
        this.publisher = publisher;
        this.directory = directory;
        this.linker = linker;
    }

    /**
     * @param unreachable the {@code host:port} of a delivery instance the caller could not reach, or null: the
     *                    links then name another instance
     * @return the stream's state and statistics, with fresh links for a tenant's API key; a Uni failed with
     *         {@link ProblemException} 404 for an unknown stream or another tenant's, 503 while the processor
     *         cannot answer
     */
    public Uni<StreamStatus> status(Caller caller, String id, String unreachable) {
        return visible(id, caller).map(known -> new StreamStatus(id, known.state(), known.stats(),
                caller.kind() == Caller.Kind.TENANT_KEY ? linker.links(id, known.tenant(), unreachable) : null));
    }

    /**
     * Writes a command for a stream the caller may control.
     *
     * @return the accepted command, once Kafka has it; a Uni failed with {@link ProblemException} 403 for a
     *         credential that may read the stream but not control it, 404 for an unknown stream or another
     *         tenant's, 409 for a command that does not fit the stream's state, 503 when Kafka did not take it in
     *         time
     */
    public Uni<CommandAccepted> command(Caller caller, String id, ControlAction action) {
        return visible(id, caller).flatMap(known -> {
            if (!caller.mayControl(id, known.tenant())) {
                throw new ProblemException(Reason.FORBIDDEN, "this credential may read stream " + id
                        + " but not control it");
            }
            if (!known.state().allows(action)) {
                throw new ProblemException(Reason.STATE_CONFLICT, "cannot " + action.name().toLowerCase(Locale.ROOT)
                        + " stream " + id + " in state " + known.state());
            }
            var command = new ControlCommand(UUID.randomUUID().toString(), id, action, Micros.now());
            return Kafka.acknowledged(publisher.publish(command), "the command").map(ignored -> {
                directory.commanded(command);
                Log.infof("stream %s: %s accepted as command %s", id, action, command.commandId());
                return new CommandAccepted(command.commandId(), id, action.name().toLowerCase(Locale.ROOT));
            });
        });
    }

    /** @return the stream, when it exists and {@code caller} may read it; else a Uni failed with 404 */
    private Uni<StreamDirectory.Known> visible(String id, Caller caller) {
        return directory.find(id).map(found -> found.filter(known -> caller.mayRead(id, known.tenant()))
                .orElseThrow(() -> new ProblemException(Reason.STREAM_NOT_FOUND, "no stream with id " + id)));
    }
}
