package dev.tokenstream.control.service;

import dev.tokenstream.api.StartStreamRequest;
import dev.tokenstream.api.StreamCreated;
import dev.tokenstream.api.StreamCreated.GroupMember;
import dev.tokenstream.auth.Caller;
import dev.tokenstream.control.messaging.CommandPublisher;
import dev.tokenstream.control.messaging.ProviderCatalog;
import dev.tokenstream.control.messaging.StreamDirectory;
import dev.tokenstream.control.messaging.TenantQuotas;
import dev.tokenstream.control.problem.ProblemException;
import dev.tokenstream.control.problem.ProblemException.Reason;
import dev.tokenstream.events.ChatMessage;
import dev.tokenstream.events.Merge;
import dev.tokenstream.events.Micros;
import dev.tokenstream.events.StreamIds;
import dev.tokenstream.events.StreamRequest;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.Target;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Starts streams: checks a request against what ingest serves and the tenant's quotas, writes one
 * {@link StreamRequest} to {@code tokenstream.requests} (a merge group's: one per member), and answers once Kafka
 * acknowledged every one. With an idempotency key the key decides the stream id, and a retry answers the stream
 * the first request started; with a session the provider is sent the session's conversation so far
 * ({@link Sessions}).
 */
@ApplicationScoped
public class StreamStarts {

    /** The longest {@code Idempotency-Key} accepted, in characters. */
    public static final int MAX_IDEMPOTENCY_KEY = 255;
    private static final String REPLAY_PREFIX = "replay:";

    private final CommandPublisher publisher;
    private final StreamDirectory directory;
    private final ProviderCatalog catalog;
    private final TenantQuotas quotas;
    private final Sessions sessions;
    private final StreamLinker linker;

    public StreamStarts(CommandPublisher publisher, StreamDirectory directory, ProviderCatalog catalog,
                        TenantQuotas quotas, Sessions sessions, StreamLinker linker) {
        this.publisher = publisher;
        this.directory = directory;
        this.catalog = catalog;
        this.quotas = quotas;
        this.sessions = sessions;
        this.linker = linker;
    }

    /**
     * A started stream.
     *
     * @param created  the answer
     * @param replayed true when an earlier request with the same idempotency key started it
     */
    public record Started(StreamCreated created, boolean replayed) {
    }

    /**
     * Starts a stream, or a merge group, for a tenant's API key.
     *
     * @param idempotencyKey null, or 1 to {@value #MAX_IDEMPOTENCY_KEY} visible ASCII characters
     * @return the started stream; a Uni failed with {@link ProblemException}: 400 for a request no ingest can serve,
     *         a bad session or a bad key, 403 for a credential other than a tenant's API key, 404 for {@code replay:<id>} of
     *         a stream the tenant does not have, 409 for a session turn that does not fit, 422 for a key used with
     *         another body, 429 over a quota, 503 when Kafka did not take the request in time or before ingest
     *         published its catalog
     */
    public Uni<Started> start(Caller caller, String idempotencyKey, StartStreamRequest body) {
        if (caller.kind() != Caller.Kind.TENANT_KEY) {
            throw new ProblemException(Reason.FORBIDDEN, "streams are started with a tenant's API key");
        }
        Stream.of(body.bufferingProblem(), body.targetProblem(), body.paramsProblem(), sessionProblem(body),
                        catalogProblem(body))
                .filter(Objects::nonNull).findFirst().ifPresent(problem -> {
                    throw new ProblemException(Reason.INVALID_REQUEST, problem);
                });
        if (idempotencyKey != null && !idempotencyKey.matches("[\\x21-\\x7e]{1," + MAX_IDEMPOTENCY_KEY + "}")) {
            throw new ProblemException(Reason.INVALID_REQUEST, "Idempotency-Key must be 1 to " + MAX_IDEMPOTENCY_KEY
                    + " visible ASCII characters");
        }
        List<ChatMessage> messages = body.chatMessages();
        return replaysAllowed(caller, body)
                .flatMap(ignored -> quotas.admit(caller.tenant(), body.streamTargets().size()))
                .flatMap(ignored -> body.sessionId() == null
                        ? start(idempotencyKey, body, messages, caller.tenant())
                        : startTurn(idempotencyKey, body, messages, caller.tenant()));
    }

    private Uni<Started> start(String idempotencyKey, StartStreamRequest body, List<ChatMessage> messages,
                               String tenant) {
        return idempotencyKey == null ? write(StreamIds.newId(), body, messages, null, tenant)
                : startKeyed(idempotencyKey, body, messages, tenant);
    }

    /** A session's next turn: the provider is sent the conversation so far, the session records the stream. */
    private Uni<Started> startTurn(String idempotencyKey, StartStreamRequest body, List<ChatMessage> messages,
                                   String tenant) {
        String sessionId = body.sessionId();
        return sessions.beginTurn(tenant, sessionId, messages, body.replaceLastTurn())
                .flatMap(conversation -> start(idempotencyKey, body, conversation, tenant))
                .onFailure().invoke(() -> sessions.abandonTurn(sessionId))
                .call(started -> sessions.endTurn(sessionId, started.created().streamId(), messages,
                        body.replaceLastTurn()));
    }

    /** @return why {@code sessionId} cannot be used, or null */
    private static String sessionProblem(StartStreamRequest body) {
        if (body.sessionId() == null) {
            return body.replaceLastTurn() ? "replaceLastTurn needs a sessionId" : null;
        }
        if (!StreamIds.isValid(body.sessionId())) {
            return "sessionId must be a session id (a UUID) from POST /v1/sessions";
        }
        return body.targets() != null ? "a session's turn is one stream: sessionId and targets do not go together"
                : null;
    }

    /** A start with an idempotency key: the key, within the tenant, decides the stream id. */
    private Uni<Started> startKeyed(String idempotencyKey, StartStreamRequest body, List<ChatMessage> messages,
                                    String tenant) {
        String id = StreamIds.fromIdempotencyKey(tenant, idempotencyKey);
        String fingerprint = body.fingerprint();
        if (directory.fingerprint(id).filter(earlier -> !earlier.equals(fingerprint)).isPresent()) {
            throw new ProblemException(Reason.IDEMPOTENCY_KEY_REUSED, "this Idempotency-Key started stream " + id
                    + " with another request body; use a new key for a new stream");
        }
        return directory.find(id)
                .onFailure(ProblemException.class).recoverWithItem(Optional.empty())
                .flatMap(found -> {
                    if (found.isEmpty()) {
                        return write(id, body, messages, fingerprint, tenant);
                    }
                    Log.infof("stream %s: start replayed for its idempotency key", id);
                    return Uni.createFrom().item(new Started(created(id, tenant, found.get().state(),
                            body.targets() == null ? null : members(id, body.eventTargets())), true));
                });
    }

    /**
     * Checks that every {@code replay:<id>} target names a stream of the caller's tenant.
     *
     * @return a Uni failed with 404 problem details otherwise
     */
    private Uni<Void> replaysAllowed(Caller caller, StartStreamRequest body) {
        List<Uni<Void>> checks = body.streamTargets().stream()
                .filter(target -> target.provider() != null && target.provider().startsWith(REPLAY_PREFIX))
                .map(target -> target.provider().substring(REPLAY_PREFIX.length()))
                .map(replayed -> directory.find(replayed).map(found -> {
                    if (found.isEmpty() || !caller.mayRead(replayed, found.get().tenant())) {
                        throw new ProblemException(Reason.STREAM_NOT_FOUND, "no stream with id " + replayed
                                + " to replay");
                    }
                    return (Void) null;
                })).toList();
        return checks.isEmpty() ? Uni.createFrom().voidItem() : Uni.join().all(checks).andFailFast().replaceWithVoid();
    }

    /**
     * Checks each provider and model against what ingest serves ({@link ProviderCatalog}), and {@code maxTokens}
     * against the provider's limit. {@code replay:<streamId>} replays a recorded stream and takes any model.
     *
     * @return why the request cannot be served, or null when it can
     * @throws ProblemException 503 while no ingest instance has published its catalog yet
     */
    private String catalogProblem(StartStreamRequest body) {
        for (Target target : body.streamTargets()) {
            if (target.provider() != null && target.provider().startsWith(REPLAY_PREFIX)) {
                if (!StreamIds.isValid(target.provider().substring(REPLAY_PREFIX.length()))) {
                    return "provider replay:<streamId> needs a stream id (a UUID)";
                }
                continue;
            }
            if (!catalog.isKnown()) {
                throw new ProblemException(Reason.CATALOG_UNKNOWN, "no ingest-service instance has published the "
                        + "providers it serves yet; retry shortly");
            }
            var entry = catalog.provider(target.provider());
            if (entry.isEmpty()) {
                return "provider must be one of " + catalog.names() + ", or replay:<streamId>";
            }
            if (!entry.get().offers(target.model())) {
                return "model is not offered by provider " + entry.get().provider() + "; its models: "
                        + String.join(", ", entry.get().models());
            }
            Integer maxTokens = body.params() == null ? null : body.params().maxTokens();
            if (maxTokens != null && maxTokens > entry.get().maxOutputTokens()) {
                return "params.maxTokens must be at most " + entry.get().maxOutputTokens() + " for provider "
                        + entry.get().provider();
            }
        }
        return null;
    }

    /** Writes a new stream's request (a merge group's: one per member), answering once Kafka has them. */
    private Uni<Started> write(String id, StartStreamRequest body, List<ChatMessage> messages, String fingerprint,
                               String tenant) {
        long accepted = Micros.now();
        List<StreamRequest> requests = new ArrayList<>();
        if (body.targets() == null) {
            requests.add(new StreamRequest(id, body.provider(), body.model(), messages, body.params(), accepted,
                    body.buffering(), null, tenant));
        } else {
            List<Target> targets = body.eventTargets();
            for (int i = 0; i < targets.size(); i++) {
                var merge = new Merge(id, i, body.merge().mode(), targets, body.merge().firstTokenTimeoutMillis());
                requests.add(new StreamRequest(Merge.memberId(id, i), targets.get(i).provider(),
                        targets.get(i).model(), messages, body.params(), accepted, body.buffering(), merge, tenant));
            }
        }
        Uni<Void> written = Uni.join().all(requests.stream().map(publisher::publish).toList()).andFailFast()
                .replaceWithVoid();
        return Kafka.acknowledged(written, "the stream request")
                .map(ignored -> {
                    requests.forEach(request -> directory.accepted(request, fingerprint));
                    Log.infof("stream %s requested: %s, %d messages", id, body.targets() == null
                            ? body.provider() + "/" + body.model()
                            : body.merge().mode().wireName() + " group of " + body.eventTargets(), messages.size());
                    return new Started(created(id, tenant, StreamState.REQUESTED, body.targets() == null ? null
                            : members(id, body.eventTargets())), false);
                });
    }

    private StreamCreated created(String id, String tenant, StreamState state, List<GroupMember> members) {
        return new StreamCreated(id, state, linker.links(id, tenant), members);
    }

    private static List<GroupMember> members(String groupId, List<Target> targets) {
        List<GroupMember> members = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            members.add(new GroupMember(Merge.memberId(groupId, i), targets.get(i).provider(),
                    targets.get(i).model()));
        }
        return members;
    }
}
