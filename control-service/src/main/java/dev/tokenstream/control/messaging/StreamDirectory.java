package dev.tokenstream.control.messaging;

import dev.tokenstream.api.ProcessorApi;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tokenstream.control.problem.ProblemException;
import dev.tokenstream.control.problem.ProblemException.Reason;
import dev.tokenstream.events.ControlAction;
import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.StreamRequest;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.StreamStats;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.rest.client.inject.RestClient;

import java.time.Duration;
import java.util.Optional;

/**
 * What control-service knows of a stream, to answer status and to check a command against the state. The truth is
 * stream-processor's state store, read through its interactive queries ({@link ProcessorApi}): any control instance
 * answers for any stream the processor holds, right after a restart, with no history of its own to read. Its memory
 * is one bounded cache of what this instance just did ({@value #RECENT_MAX} streams, {@link #RECENT_FOR} each):
 * <ul>
 *   <li>a stream it just wrote exists before the processor has read its request (a few milliseconds): REQUESTED;</li>
 *   <li>a command it just wrote decides the state until the processor applied it, so a pause followed at once by
 *   a resume is accepted;</li>
 *   <li>the fingerprint of a start request sent with an {@code Idempotency-Key}, to refuse the key's reuse with
 *   another body.</li>
 * </ul>
 * When the processor cannot answer (restarting, unreachable, its store restoring) a lookup fails with 503 and
 * {@code Retry-After}: this instance cannot tell whether the stream exists.
 */
@ApplicationScoped
public class StreamDirectory {

    /** The most streams the recent-activity cache holds (about 200 bytes each). */
    static final int RECENT_MAX = 100_000;
    /** How long this instance remembers what it wrote; the processor reads a request or a command within ms. */
    static final Duration RECENT_FOR = Duration.ofMinutes(10);
    /** How long a command this instance wrote overrides the processor's answer, if the processor has not applied it. */
    static final Duration COMMAND_OVERRIDES_FOR = Duration.ofSeconds(10);
    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(5);

    private final ProcessorApi processor;
    private final Cache<String, Recent> recent = Caffeine.newBuilder().maximumSize(RECENT_MAX)
            .expireAfterWrite(RECENT_FOR).build();

    public StreamDirectory(@RestClient ProcessorApi processor) {
        this.processor = processor;
    }

    /**
     * A stream as the API reports it: its state, its tenant, and the processor's statistics when it has any.
     *
     * @param tenant whose stream it is; null for a stream of no tenant (which no tenant's caller sees)
     */
    public record Known(StreamState state, StreamStats stats, String tenant) {
    }

    /** This instance's recent writes for one stream. */
    private record Recent(String fingerprint, ControlAction lastCommand, long commandAtNanos, String tenant) {
    }

    /**
     * Records a stream this instance just wrote to the requests topic, and a member's merge group.
     *
     * @param fingerprint the start request's fingerprint when it came with an {@code Idempotency-Key}, else null
     */
    public void accepted(StreamRequest request, String fingerprint) {
        recent.asMap().putIfAbsent(request.streamId(), new Recent(fingerprint, null, 0, request.tenant()));
        if (request.merge() != null) {
            recent.asMap().putIfAbsent(request.merge().groupId(), new Recent(fingerprint, null, 0, request.tenant()));
        }
    }

    /** Records a command this instance just wrote to the control topic. */
    public void commanded(ControlCommand command) {
        recent.asMap().merge(command.streamId(), new Recent(null, command.action(), System.nanoTime(), null),
                (old, now) -> new Recent(old.fingerprint(), now.lastCommand(), now.commandAtNanos(), old.tenant()));
    }

    /**
     * @return the fingerprint of the keyed start request this instance accepted for the stream, if it still
     *         remembers it
     */
    public Optional<String> fingerprint(String streamId) {
        return Optional.ofNullable(recent.getIfPresent(streamId)).map(Recent::fingerprint);
    }

    /**
     * Looks a stream up.
     *
     * @param streamId a stream or merge group id
     * @return the stream, or empty when it does not exist (or ended past the processor's retention)
     * @throws ProblemException (as a failed {@code Uni}) 503 when the processor cannot answer
     */
    public Uni<Optional<Known>> find(String streamId) {
        return processor.stats(streamId)
                .ifNoItem().after(QUERY_TIMEOUT).fail()
                .onFailure().transform(e -> new ProblemException(Reason.PROCESSOR_UNAVAILABLE,
                        "stream-processor did not answer: " + e.getClass().getSimpleName()))
                .map(response -> {
                    try (response) {
                        return known(streamId, switch (response.getStatus()) {
                            case 200 -> response.readEntity(StreamStats.class);
                            case 404 -> null;
                            default -> throw new ProblemException(Reason.PROCESSOR_UNAVAILABLE,
                                    "stream-processor answered " + response.getStatus());
                        });
                    }
                });
    }

    private Optional<Known> known(String streamId, StreamStats stats) {
        Recent mine = recent.getIfPresent(streamId);
        if (stats == null && mine == null) {
            return Optional.empty();
        }
        StreamState processed = stats == null ? StreamState.REQUESTED : stats.state();
        String tenant = stats != null && stats.tenant() != null ? stats.tenant() : mine == null ? null : mine.tenant();
        if (mine == null || mine.lastCommand() == null || !processed.allows(mine.lastCommand())
                || System.nanoTime() - mine.commandAtNanos() > COMMAND_OVERRIDES_FOR.toNanos()) {
            return Optional.of(new Known(processed, stats, tenant));
        }
        return Optional.of(new Known(processed.after(mine.lastCommand(), stats != null && stats.ttftMillis() != null),
                stats, tenant));
    }
}
