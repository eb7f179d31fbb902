package dev.tokenstream.control.rest;

import dev.tokenstream.auth.Caller;
import dev.tokenstream.auth.StreamTokens;
import dev.tokenstream.control.config.ControlConfig;
import dev.tokenstream.control.messaging.CommandPublisher;
import dev.tokenstream.control.messaging.DeliveryLinks;
import dev.tokenstream.control.messaging.ProviderCatalog;
import dev.tokenstream.control.messaging.StreamDirectory;
import dev.tokenstream.control.messaging.TenantQuotas;
import dev.tokenstream.control.rest.ProblemException.Reason;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.tokenstream.events.ChatMessage;
import dev.tokenstream.events.ControlAction;
import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.Merge;
import dev.tokenstream.events.Micros;
import dev.tokenstream.events.StreamRequest;
import dev.tokenstream.events.StreamIds;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.StreamStats;
import dev.tokenstream.events.Target;
import io.quarkus.logging.Log;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The client-facing control API, version 1: start a stream, pause, resume or cancel it, read its status. Errors
 * are RFC 9457 problem details. A start or a command is answered only after Kafka acknowledged the write.
 * <p>
 * Every call is authenticated ({@link Caller}): a tenant's API key starts streams and sees and controls that
 * tenant's streams; a stream token (from a stream's links) reads its stream's status and, when granted, controls
 * it. Another tenant's stream is answered 404, as if it did not exist.
 */
@Path("/v1/streams")
@Produces(MediaType.APPLICATION_JSON)
public class StreamsResource {

    private static final Duration KAFKA_ACK_TIMEOUT = Duration.ofSeconds(10);
    private static final String REPLAY_PREFIX = "replay:";

    private final CommandPublisher publisher;
    private final StreamDirectory directory;
    private final ControlConfig config;
    private final ProviderCatalog catalog;
    private final SecurityIdentity identity;
    private final StreamTokens tokens;
    private final TenantQuotas quotas;
    private final DeliveryLinks deliveryLinks;
    private final Sessions sessions;

    public StreamsResource(CommandPublisher publisher, StreamDirectory directory, ProviderCatalog catalog,
                           ControlConfig config, SecurityIdentity identity, StreamTokens tokens,
                           TenantQuotas quotas, DeliveryLinks deliveryLinks, Sessions sessions) {
        this.publisher = publisher;
        this.sessions = sessions;
        this.directory = directory;
        this.catalog = catalog;
        this.config = config;
        this.deliveryLinks = deliveryLinks;
        this.identity = identity;
        this.tokens = tokens;
        this.quotas = quotas;
    }

    /**
     * Links of a stream: absolute URLs of its WebSocket and its SSE endpoint, each with a stream token
     * ({@code ?token=}, valid {@code tokenstream.auth.stream-token-ttl}, to read and control this stream only),
     * and of its status.
     */
    public record Links(String ws, String sse, String self) {
    }

    /**
     * Answer of {@code POST /v1/streams}.
     *
     * @param members a merge group's member streams, by target index; absent for a stream of its own
     */
    public record StreamCreated(String streamId, StreamState status, Links links,
                                @JsonInclude(JsonInclude.Include.NON_NULL) List<Member> members) {
    }

    /** A merge group's member stream: its own id, its provider and model. */
    public record Member(String streamId, String provider, String model) {
    }

    /** Answer of a command: its id, once Kafka has it. */
    public record CommandAccepted(String commandId, String streamId, String action) {
    }

    /**
     * Answer of {@code GET /v1/streams/{id}}: the state, the statistics once the processor published any, and (for a
     * tenant's API key) links with fresh stream tokens, to reconnect after the first ones expired.
     */
    public record StreamStatus(String streamId, StreamState state, StreamStats stats,
                               @JsonInclude(JsonInclude.Include.NON_NULL) Links links) {
    }

    /** The longest {@code Idempotency-Key} accepted, in characters. */
    static final int MAX_IDEMPOTENCY_KEY = 255;

    /**
     * Starts a stream. With an {@code Idempotency-Key} (IETF draft-ietf-httpapi-idempotency-key-header), a retry
     * of the request answers the stream the first one started, with header {@code Idempotent-Replayed: true},
     * and writes nothing again: the key decides the stream id ({@link StreamIds#fromIdempotencyKey}). While the
     * processor cannot tell whether that stream exists, the request is written again under the same id, which the
     * processor and ingest take as the same stream.
     *
     * @param idempotencyKey optional: 1 to 255 visible ASCII characters, unique per intended stream
     * @param body           the request
     * @return 201 with the stream's id and links; 400 problem details for a bad body or key, a provider or model no
     *         ingest serves, or {@code maxTokens} over the provider's limit; 403 for a credential other than a
     *         tenant's API key; 404 for {@code replay:<id>} of a stream the tenant does not have; 422 when the key
     *         was used (on this instance, within the last minutes) with another body; 429 with {@code Retry-After}
     *         over one of the tenant's quotas ({@link TenantQuotas}); 503 when Kafka did not take the request in
     *         time (retry with the same key), or before ingest published its catalog
     */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> start(@HeaderParam("Idempotency-Key") String idempotencyKey,
                               @Valid @NotNull StartStreamRequest body) {
        Caller caller = Caller.of(identity);
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
        List<ChatMessage> messages = body.messages().stream().map(StartStreamRequest.Message::toEvent).toList();
        return replaysAllowed(caller, body)
                .flatMap(ignored -> quotas.admit(caller.tenant(), body.streamTargets().size()))
                .flatMap(ignored -> body.sessionId() == null
                        ? start(idempotencyKey, body, messages, caller.tenant())
                        : startTurn(idempotencyKey, body, messages, caller.tenant()));
    }

    private Uni<Response> start(String idempotencyKey, StartStreamRequest body, List<ChatMessage> messages,
                                String tenant) {
        return idempotencyKey == null ? write(StreamIds.newId(), body, messages, null, tenant)
                : startKeyed(idempotencyKey, body, messages, tenant);
    }

    /** A session's next turn: the provider is sent the conversation so far, the session records the stream. */
    private Uni<Response> startTurn(String idempotencyKey, StartStreamRequest body, List<ChatMessage> messages,
                                    String tenant) {
        String sessionId = body.sessionId();
        return sessions.beginTurn(tenant, sessionId, messages, body.replaceLastTurn())
                .flatMap(conversation -> start(idempotencyKey, body, conversation, tenant))
                .onFailure().invoke(() -> sessions.abandonTurn(sessionId))
                .call(response -> sessions.endTurn(sessionId, ((StreamCreated) response.getEntity()).streamId(),
                        messages, body.replaceLastTurn()));
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

    /** A start with an {@code Idempotency-Key}: the key, within the tenant, decides the stream id. */
    private Uni<Response> startKeyed(String idempotencyKey, StartStreamRequest body, List<ChatMessage> messages,
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
                    return Uni.createFrom().item(created(id, tenant, found.get().state(), body.targets() == null
                            ? null : memberList(id, body.eventTargets())).header("Idempotent-Replayed", "true")
                            .build());
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

    /** Writes a new stream's request (a merge group's: one per member), answering 201 once Kafka has them. */
    private Uni<Response> write(String id, StartStreamRequest body, List<ChatMessage> messages, String fingerprint,
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
        return acknowledged(written, "the stream request")
                .map(ignored -> {
                    requests.forEach(request -> directory.accepted(request, fingerprint));
                    Log.infof("stream %s requested: %s, %d messages", id, body.targets() == null
                            ? body.provider() + "/" + body.model()
                            : body.merge().mode().wireName() + " group of " + body.eventTargets(), messages.size());
                    return created(id, tenant, StreamState.REQUESTED, body.targets() == null ? null
                            : memberList(id, body.eventTargets())).build();
                });
    }

    private Response.ResponseBuilder created(String id, String tenant, StreamState state, List<Member> members) {
        Links links = links(id, tenant);
        return Response.created(URI.create(links.self())).entity(new StreamCreated(id, state, links, members));
    }

    private static List<Member> memberList(String groupId, List<Target> targets) {
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            members.add(new Member(Merge.memberId(groupId, i), targets.get(i).provider(), targets.get(i).model()));
        }
        return members;
    }

    /**
     * A stream's or merge group's state, and its statistics once the processor has any; answered from the
     * processor's state store, so any instance answers for any stream until {@code processor.retain-terminal} after
     * it ended.
     *
     * @return 200; 404 problem details for an unknown stream, or another tenant's; 503 with {@code Retry-After}
     *         while the processor cannot answer (restarting)
     */
    @GET
    @Path("/{id}")
    public Uni<StreamStatus> status(@PathParam("id") String id) {
        checkId(id);
        Caller caller = Caller.of(identity);
        return visible(id, caller).map(known -> new StreamStatus(id, known.state(), known.stats(),
                caller.kind() == Caller.Kind.TENANT_KEY ? links(id, known.tenant()) : null));
    }

    /** @return the stream, when it exists and {@code caller} may read it; else a Uni failed with 404 */
    private Uni<StreamDirectory.Known> visible(String id, Caller caller) {
        return directory.find(id).map(found -> found.filter(known -> caller.mayRead(id, known.tenant()))
                .orElseThrow(() -> notFound(id)));
    }

    @POST
    @Path("/{id}/pause")
    public Uni<Response> pause(@PathParam("id") String id) {
        return command(id, ControlAction.PAUSE);
    }

    @POST
    @Path("/{id}/resume")
    public Uni<Response> resume(@PathParam("id") String id) {
        return command(id, ControlAction.RESUME);
    }

    @POST
    @Path("/{id}/cancel")
    public Uni<Response> cancel(@PathParam("id") String id) {
        return command(id, ControlAction.CANCEL);
    }

    private Uni<Response> command(String id, ControlAction action) {
        checkId(id);
        Caller caller = Caller.of(identity);
        return visible(id, caller).flatMap(known -> {
            if (!caller.mayControl(id, known.tenant())) {
                throw new ProblemException(Reason.FORBIDDEN, "this credential may read stream " + id
                        + " but not control it");
            }
            return command(id, known.state(), action);
        });
    }

    private Uni<Response> command(String id, StreamState state, ControlAction action) {
        if (!state.allows(action)) {
            throw new ProblemException(Reason.STATE_CONFLICT, "cannot " + action.name().toLowerCase(Locale.ROOT)
                    + " stream " + id + " in state " + state);
        }
        var command = new ControlCommand(UUID.randomUUID().toString(), id, action, Micros.now());
        return acknowledged(publisher.publish(command), "the command")
                .map(ignored -> {
                    directory.commanded(command);
                    Log.infof("stream %s: %s accepted as command %s", id, action, command.commandId());
                    return Response.accepted(new CommandAccepted(command.commandId(), id,
                            action.name().toLowerCase(Locale.ROOT))).build();
                });
    }

    /** @return {@code write}, failing as 503 problem details when Kafka does not acknowledge it in time */
    private static Uni<Void> acknowledged(Uni<Void> write, String what) {
        return write.ifNoItem().after(KAFKA_ACK_TIMEOUT).fail()
                .onFailure().transform(e -> new ProblemException(Reason.KAFKA_UNAVAILABLE,
                        what + " was not stored: " + e.getMessage()));
    }

    private Links links(String id, String tenant) {
        String delivery = deliveryLinks.baseUrl(id);
        String token = "?token=" + tokens.issue(id, tenant, true);
        String ws = delivery.replaceFirst("^http", "ws") + "/v1/streams/" + id + "/ws" + token;
        return new Links(ws, delivery + "/v1/streams/" + id + "/events" + token,
                trimSlash(config.publicBaseUrl()) + "/v1/streams/" + id);
    }

    /** Refuses a path id that is not a stream id (400), without repeating it. */
    private static void checkId(String id) {
        if (!StreamIds.isValid(id)) {
            throw new ProblemException(Reason.INVALID_REQUEST, "the stream id in the path must be a UUID, e.g. "
                    + "019ab2c4-3f1e-7a4b-9c2d-5e6f7a8b9c0d");
        }
    }

    private static ProblemException notFound(String id) {
        return new ProblemException(Reason.STREAM_NOT_FOUND, "no stream with id " + id);
    }

    private static String trimSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

}
