package dev.tokenstream.control.service;

import dev.tokenstream.control.problem.ProblemException;
import dev.tokenstream.control.problem.ProblemException.Reason;
import io.smallrye.mutiny.Uni;

import java.time.Duration;

/** How the services wait for Kafka: a write is answered only once acknowledged, within a bound. */
final class Kafka {

    /** How long a write may wait for Kafka's acknowledgement before the request is answered 503. */
    static final Duration ACK_TIMEOUT = Duration.ofSeconds(10);

    private Kafka() {
    }

    /**
     * @param what what was written, for the problem's detail ("the command")
     * @return {@code write}, failing as 503 problem details when Kafka does not acknowledge it in time; a
     *         {@link ProblemException} it failed with passes unchanged
     */
    static Uni<Void> acknowledged(Uni<Void> write, String what) {
        return write.ifNoItem().after(ACK_TIMEOUT).fail()
                .onFailure(e -> !(e instanceof ProblemException)).transform(e -> new ProblemException(
                        Reason.KAFKA_UNAVAILABLE, what + " was not stored: " + e.getMessage()));
    }
}
