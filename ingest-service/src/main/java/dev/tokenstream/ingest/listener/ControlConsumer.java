package dev.tokenstream.ingest.listener;

import dev.tokenstream.events.ControlAction;
import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.ingest.provider.ActiveStreams;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Consumes {@code tokenstream.control} (channel {@code control}) in a consumer group of its own per instance, so
 * every instance sees every cancel and the one running the stream closes its upstream connection. Pause and
 * resume are the processor's business: generation goes on upstream while a stream is paused.
 */
@ApplicationScoped
public class ControlConsumer {

    private final ActiveStreams activeStreams;

    public ControlConsumer(ActiveStreams activeStreams) {
        this.activeStreams = activeStreams;
    }

    @Incoming("control")
    public void onCommand(ControlCommand command) {
        if (command.action() == ControlAction.CANCEL) {
            activeStreams.cancel(command.streamId());
        }
    }
}
