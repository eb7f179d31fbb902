package dev.tokenstream.control.rest;

import dev.tokenstream.control.config.ControlConfig;
import dev.tokenstream.control.messaging.CommandPublisher;
import dev.tokenstream.control.messaging.ProviderCatalog;
import dev.tokenstream.control.messaging.StreamDirectory;
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

    public StreamsResource(CommandPublisher publisher, StreamDirectory directory, ProviderCatalog catalog,
                           ControlConfig config) {
        this.publisher = publisher;
        this.directory = directory;
        this.catalog = catalog;
        this.config = config;
    }

    /** Links of a started stream: absolute URLs of its WebSocket, its SSE endpoint and its status. */
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

    /** Answer of {@code GET /v1/streams/{id}}: the state, and the statistics once the processor published any. */
    public record StreamStatus(String streamId, StreamState state, StreamStats stats) {
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
     *         ingest serves, or {@code maxTokens} over the provider's limit; 422 when the key was
     *         used (on this instance, within the last minutes) with another body; 503 when Kafka did not take the
     *         request in time (retry with the same key), or before ingest published its catalog
     */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> start(@HeaderParam("Idempotency-Key") String idempotencyKey,
                               @Valid @NotNull StartStreamRequest body) {
        Stream.of(body.bufferingProblem(), body.targetProblem(), body.paramsProblem(), catalogProblem(body))
                .filter(Objects::nonNull).findFirst().ifPresent(problem -> {
                    throw new ProblemException(Reason.INVALID_REQUEST, problem);
                });
        if (idempotencyKey == null) {
            return write(StreamIds.newId(), body, null);
        }
        if (!idempotencyKey.matches("[\\x21-\\x7e]{1," + MAX_IDEMPOTENCY_KEY + "}")) {
            throw new ProblemException(Reason.INVALID_REQUEST, "Idempotency-Key must be 1 to " + MAX_IDEMPOTENCY_KEY
                    + " visible ASCII characters");
        }
        String id = StreamIds.fromIdempotencyKey("", idempotencyKey);
        String fingerprint = body.fingerprint();
        if (directory.fingerprint(id).filter(earlier -> !earlier.equals(fingerprint)).isPresent()) {
            throw new ProblemException(Reason.IDEMPOTENCY_KEY_REUSED, "this Idempotency-Key started stream " + id
                    + " with another request body; use a new key for a new stream");
        }
        return directory.find(id)
                .onFailure(ProblemException.class).recoverWithItem(Optional.empty())
                .flatMap(found -> {
                    if (found.isEmpty()) {
                        return write(id, body, fingerprint);
                    }
                    Log.infof("stream %s: start replayed for its idempotency key", id);
                    return Uni.createFrom().item(created(id, found.get().state(), body.targets() == null ? null
                            : memberList(id, body.eventTargets())).header("Idempotent-Replayed", "true").build());
                });
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
    private Uni<Response> write(String id, StartStreamRequest body, String fingerprint) {
        List<ChatMessage> messages = body.messages().stream().map(StartStreamRequest.Message::toEvent).toList();
        long accepted = Micros.now();
        List<StreamRequest> requests = new ArrayList<>();
        if (body.targets() == null) {
            requests.add(new StreamRequest(id, body.provider(), body.model(), messages, body.params(), accepted,
                    body.buffering()));
        } else {
            List<Target> targets = body.eventTargets();
            for (int i = 0; i < targets.size(); i++) {
                var merge = new Merge(id, i, body.merge().mode(), targets, body.merge().firstTokenTimeoutMillis());
                requests.add(new StreamRequest(Merge.memberId(id, i), targets.get(i).provider(),
                        targets.get(i).model(), messages, body.params(), accepted, body.buffering(), merge));
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
                    return created(id, StreamState.REQUESTED, body.targets() == null ? null
                            : memberList(id, body.eventTargets())).build();
                });
    }

    private Response.ResponseBuilder created(String id, StreamState state, List<Member> members) {
        Links links = links(id);
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
     * @return 200; 404 problem details for an unknown stream; 503 with {@code Retry-After} while the processor
     *         cannot answer (restarting)
     */
    @GET
    @Path("/{id}")
    public Uni<StreamStatus> status(@PathParam("id") String id) {
        checkId(id);
        return directory.find(id).map(found -> found.map(known -> new StreamStatus(id, known.state(), known.stats()))
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
        return directory.find(id).flatMap(found -> command(id, found.orElseThrow(() -> notFound(id)).state(), action));
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

    private Links links(String id) {
        String delivery = trimSlash(config.deliveryBaseUrl());
        String ws = delivery.replaceFirst("^http", "ws") + "/v1/streams/" + id + "/ws";
        return new Links(ws, delivery + "/v1/streams/" + id + "/events",
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
