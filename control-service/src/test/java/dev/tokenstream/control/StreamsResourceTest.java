package dev.tokenstream.control;

import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import dev.tokenstream.control.messaging.ProviderCatalog;
import dev.tokenstream.auth.StreamTokens;
import dev.tokenstream.events.Buffering;
import dev.tokenstream.events.ControlAction;
import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.MergeMode;
import dev.tokenstream.events.StreamRequest;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.StreamStats;
import dev.tokenstream.events.Target;
import dev.tokenstream.events.TenantUsage;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.JsonSerde;
import dev.tokenstream.testsupport.IdentityProviderServer;
import dev.tokenstream.testsupport.KafkaTestResource;
import dev.tokenstream.testsupport.MetricsScrape;
import dev.tokenstream.testsupport.ProcessorQueriesServer;
import dev.tokenstream.testsupport.TestKeys;
import dev.tokenstream.testsupport.TopicProbe;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(ProcessorQueriesServer.class)
@QuarkusTestResource(CatalogResource.class)
@QuarkusTestResource(IdentityProviderServer.class)
class StreamsResourceTest {

    @Inject
    ProviderCatalog catalog;

    /** Starts are refused with 503 until the catalog published before start-up is read (the design's answer). */
    @BeforeEach
    void awaitTheCatalog() {
        await().atMost(Duration.ofSeconds(30)).until(catalog::isKnown);
    }

    /** @return a request of tenant-a, the tenant of every stream the tests start */
    private static RequestSpecification tenantA() {
        return given().header("Authorization", TestKeys.bearer(TestKeys.TENANT_A));
    }

    @TestHTTPResource(value = "/metrics", management = true) // under the management root, /q
    URI metrics;

    @TestHTTPResource(value = "/openapi", management = true)
    URI openapi;

    private static final String START = """
            {"provider":"simulator","model":"sim-fast","messages":[{"role":"user","content":"hello"}],
             "params":{"maxTokens":16,"seed":3}}""";

    @Test
    void shouldStartAStreamWithAbsoluteLinksOnceKafkaHasTheRequest() {
        String id = start();

        var records = TopicProbe.readUntil(Topics.REQUESTS, JsonSerde.of(StreamRequest.class),
                list -> list.stream().anyMatch(r -> r.key().equals(id)), Duration.ofSeconds(10));
        StreamRequest request = records.stream().filter(r -> r.key().equals(id)).findFirst().orElseThrow().value();
        assertThat(request.provider()).isEqualTo("simulator");
        assertThat(request.model()).isEqualTo("sim-fast");
        assertThat(request.params().maxTokens()).isEqualTo(16);
        assertThat(request.acceptedAtMicros()).isPositive();
        assertThat(request.tenant()).isEqualTo("tenant-a");
    }

    @Test
    void shouldAnswerACallerWithoutAnAcceptedCredentialWith401ProblemDetails() {
        String id = start();
        String unknownKey = "Bearer tsk_000000000000_" + "A".repeat(43);
        String forgedToken = "Bearer " + new StreamTokens(Optional.of("another-secret-of-at-least-thirty-two-bytes"),
                Duration.ofMinutes(15)).issue(id, "tenant-a", true);
        String expiredToken = "Bearer " + new StreamTokens(Optional.of(TestKeys.STREAM_TOKEN_SECRET),
                Duration.ofMinutes(-5)).issue(id, "tenant-a", true);
        for (String credential : new String[] {null, unknownKey, TestKeys.bearer(TestKeys.REVOKED), "Bearer x",
                forgedToken, expiredToken}) {
            var anyone = credential == null ? given() : given().header("Authorization", credential);
            anyone.get("/v1/streams/{id}", id).then().statusCode(401)
                    .contentType("application/problem+json").header("WWW-Authenticate", containsString("Bearer"))
                    .body("status", equalTo(401));
            (credential == null ? given() : given().header("Authorization", credential))
                    .contentType("application/json").body(START).post("/v1/streams").then().statusCode(401);
            (credential == null ? given() : given().header("Authorization", credential))
                    .post("/v1/streams/{id}/cancel", id).then().statusCode(401);
        }
    }

    @Test
    void shouldTakeAnIdentityProvidersTokenAsItsTenantsCaller() {
        String valid = "Bearer " + IdentityProviderServer.token(IdentityProviderServer.ISSUER, "tenant-a",
                Duration.ofMinutes(5), IdentityProviderServer.key());
        String id = given().header("Authorization", valid).contentType("application/json").body(START)
                .post("/v1/streams").then().statusCode(201).extract().path("streamId");
        tenantA().get("/v1/streams/{id}", id).then().statusCode(200);
        given().header("Authorization", valid).get("/v1/streams/{id}", start()).then().statusCode(200);

        for (String refused : new String[] {
            IdentityProviderServer.token("https://another.issuer", "tenant-a", Duration.ofMinutes(5),
                    IdentityProviderServer.key()),
            IdentityProviderServer.token(IdentityProviderServer.ISSUER, "tenant-a", Duration.ofMinutes(-5),
                    IdentityProviderServer.key()),
            IdentityProviderServer.token(IdentityProviderServer.ISSUER, null, Duration.ofMinutes(5),
                    IdentityProviderServer.key()),
            IdentityProviderServer.token(IdentityProviderServer.ISSUER, "tenant-a", Duration.ofMinutes(5),
                    IdentityProviderServer.forgersKey())}) {
            given().header("Authorization", "Bearer " + refused).get("/v1/streams/{id}", id).then().statusCode(401);
        }
    }

    @Test
    void shouldAnswerAnotherTenantsStreamAsIfItDidNotExist() {
        String id = start();
        String idempotent = "shared-" + UUID.randomUUID();

        given().header("Authorization", TestKeys.bearer(TestKeys.TENANT_B)).get("/v1/streams/{id}", id)
                .then().statusCode(404).body("title", equalTo("Stream not found"));
        for (String action : new String[] {"pause", "resume", "cancel"}) {
            given().header("Authorization", TestKeys.bearer(TestKeys.TENANT_B))
                    .post("/v1/streams/{id}/" + action, id).then().statusCode(404);
        }
        given().header("Authorization", TestKeys.bearer(TestKeys.TENANT_B)).contentType("application/json")
                .body(START.replace("\"provider\":\"simulator\"", "\"provider\":\"replay:" + id + "\""))
                .post("/v1/streams").then().statusCode(404).body("detail", containsString("to replay"));
        tenantA().contentType("application/json")
                .body(START.replace("\"provider\":\"simulator\"", "\"provider\":\"replay:" + id + "\""))
                .post("/v1/streams").then().statusCode(201);
        // An Idempotency-Key is the tenant's own: the same key of two tenants starts two streams.
        String ofA = tenantA().contentType("application/json").header("Idempotency-Key", idempotent).body(START)
                .post("/v1/streams").then().statusCode(201).extract().path("streamId");
        String ofB = given().header("Authorization", TestKeys.bearer(TestKeys.TENANT_B))
                .contentType("application/json").header("Idempotency-Key", idempotent).body(START)
                .post("/v1/streams").then().statusCode(201).header("Idempotent-Replayed", nullValue())
                .extract().path("streamId");
        assertThat(ofB).isNotEqualTo(ofA);
    }

    @Test
    void shouldAnswerAStartOverItsTenantsQuotaWith429AndRetryAfterUntilTheCountRecovers() {
        long window = TenantUsage.none("tenant-b", System.currentTimeMillis()).windowStartMillis();
        java.util.function.Supplier<RequestSpecification> tenantB = () -> given()
                .header("Authorization", TestKeys.bearer(TestKeys.TENANT_B)).contentType("application/json");
        try {
            ProcessorQueriesServer.holds(new TenantUsage("tenant-b", 2, window, 2, 10));
            tenantB.get().body(START).post("/v1/streams").then().statusCode(429).header("Retry-After", "1")
                    .contentType("application/problem+json").body("title", equalTo("Quota exceeded"))
                    .body("detail", containsString("at most 2 at once"));
            // A merge group of two would be three streams.
            ProcessorQueriesServer.holds(new TenantUsage("tenant-b", 1, window, 2, 10));
            tenantB.get().body(MERGE_GROUP).post("/v1/streams").then().statusCode(429);
            ProcessorQueriesServer.holds(new TenantUsage("tenant-b", 0, window, 5, 10));
            tenantB.get().body(START).post("/v1/streams").then().statusCode(429)
                    .header("Retry-After", matchesPattern("[1-9][0-9]?"))
                    .body("detail", containsString("this minute; at most 5"));
            ProcessorQueriesServer.holds(new TenantUsage("tenant-b", 0, window, 0, 1000));
            tenantB.get().body(START).post("/v1/streams").then().statusCode(429)
                    .body("detail", containsString("output tokens this minute"));
            // Streams ended, a new minute: the tenant starts again; other tenants were never held.
            ProcessorQueriesServer.holds(new TenantUsage("tenant-b", 1, window, 0, 0));
            tenantB.get().body(START).post("/v1/streams").then().statusCode(201);
            tenantA().contentType("application/json").body(START).post("/v1/streams").then().statusCode(201);
        } finally {
            ProcessorQueriesServer.holds(TenantUsage.none("tenant-b", 0));
        }
    }

    private static final String MERGE_GROUP = """
            {"targets":[{"provider":"simulator","model":"sim-slow"},{"provider":"simulator","model":"sim-fast"}],
             "merge":{"mode":"race"},"messages":[{"role":"user","content":"hello"}]}""";

    @Test
    void shouldAnswerLinksAvoidingAnUnreachableDeliveryInstanceAndRefuseOneThatIsNotAUrl() {
        String id = start();
        tenantA().get("/v1/streams/{id}?unreachable=<script>", id).then().statusCode(400)
                .contentType("application/problem+json").body("detail", not(containsString("<script>")));
        tenantA().get("/v1/streams/{id}?unreachable=ftp://delivery:21", id).then().statusCode(400);
        // Another instance than the one named: the links stay where they were.
        tenantA().get("/v1/streams/{id}?unreachable=http://delivery-2.example:8081", id).then().statusCode(200)
                .body("links.ws", startsWith("ws://localhost:8081/"));
        // The only instance this control-service knows: it is named still (no other to name).
        tenantA().get("/v1/streams/{id}?unreachable=ws://localhost:8081", id).then().statusCode(200)
                .body("links.ws", startsWith("ws://localhost:8081/"));
    }

    @Test
    void shouldGiveLinksWithAStreamTokenThatReadsAndControlsThatStreamOnly() {
        String id = start();
        String other = start();
        String ws = tenantA().get("/v1/streams/{id}", id).then().statusCode(200).extract().path("links.ws");
        String token = "Bearer " + ws.substring(ws.indexOf("?token=") + "?token=".length());

        given().header("Authorization", token).get("/v1/streams/{id}", id).then().statusCode(200)
                .body("state", equalTo("REQUESTED")).body("links", nullValue());
        given().header("Authorization", token).get("/v1/streams/{id}", other).then().statusCode(404);
        given().header("Authorization", token).post("/v1/streams/{id}/cancel", other).then().statusCode(404);
        given().header("Authorization", token).post("/v1/streams/{id}/pause", id).then().statusCode(202);
        String readOnly = "Bearer " + new StreamTokens(Optional.of(TestKeys.STREAM_TOKEN_SECRET),
                Duration.ofMinutes(1)).issue(id, "tenant-a", false);
        given().header("Authorization", readOnly).post("/v1/streams/{id}/cancel", id).then().statusCode(403);
        // Neither a stream token nor another service's key starts streams.
        for (String credential : new String[] {token, TestKeys.bearer(TestKeys.SERVICE)}) {
            given().header("Authorization", credential).contentType("application/json").body(START)
                    .post("/v1/streams").then().statusCode(403).contentType("application/problem+json");
        }
    }

    @Test
    void shouldAnswerARetryWithTheSameIdempotencyKeyWithTheSameStreamAndWriteItOnce() {
        String key = "retry-" + UUID.randomUUID();

        String first = tenantA().contentType("application/json").header("Idempotency-Key", key).body(START)
                .post("/v1/streams").then().statusCode(201).extract().path("streamId");
        String retried = tenantA().contentType("application/json").header("Idempotency-Key", key).body(START)
                .post("/v1/streams").then().statusCode(201).header("Idempotent-Replayed", "true")
                .extract().path("streamId");
        String other = tenantA().contentType("application/json").header("Idempotency-Key", key + "-other").body(START)
                .post("/v1/streams").then().statusCode(201).extract().path("streamId");

        assertThat(retried).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
        var records = TopicProbe.readUntil(Topics.REQUESTS, JsonSerde.of(StreamRequest.class),
                list -> list.stream().anyMatch(r -> r.key().equals(other)), Duration.ofSeconds(10));
        assertThat(records).filteredOn(r -> r.key().equals(first)).as("written once").hasSize(1);
        tenantA().contentType("application/json").header("Idempotency-Key", "with space").body(START)
                .post("/v1/streams").then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("Idempotency-Key must be"));
    }

    @Test
    void shouldRefuseAnIdempotencyKeyReusedWithAnotherBody() {
        String key = "reuse-" + UUID.randomUUID();
        tenantA().contentType("application/json").header("Idempotency-Key", key).body(START)
                .post("/v1/streams").then().statusCode(201);

        tenantA().contentType("application/json").header("Idempotency-Key", key).body(START.replace("hello", "bye"))
                .post("/v1/streams").then().statusCode(422).contentType("application/problem+json")
                .body("title", equalTo("Idempotency-Key reused with another request"));
        // The same fields in another order and spacing are the same request.
        tenantA().contentType("application/json").header("Idempotency-Key", key).body("""
                {"params":{"seed":3,"maxTokens":16}, "messages":[{"content":"hello","role":"user"}],
                 "model":"sim-fast","provider":"simulator"}""")
                .post("/v1/streams").then().statusCode(201).header("Idempotent-Replayed", "true");
    }

    @Test
    void shouldAnswerForAStreamAnotherInstanceStartedFromTheProcessorsState() {
        String id = UUID.randomUUID().toString();
        ProcessorQueriesServer.holds(new StreamStats(id, StreamState.STARTED, "simulator", "sim-fast", 1L, 10.0,
                5.0, 1.0, 2.0, 3.0, 50.0, 12, null, 300.0, 0, null, null, 2L).withTenant("tenant-a"));

        tenantA().get("/v1/streams/{id}", id).then().statusCode(200).body("state", equalTo("STARTED"))
                .body("stats.outputTokens", equalTo(12));
        tenantA().post("/v1/streams/{id}/pause", id).then().statusCode(202);
        tenantA().post("/v1/streams/{id}/resume", id).then().statusCode(202);
    }

    @Test
    void shouldAnswer503WithRetryAfterWhileTheProcessorCannotTell() {
        String id = start();
        ProcessorQueriesServer.restoring(true);
        try {
            tenantA().get("/v1/streams/{id}", id).then().statusCode(503).header("Retry-After", "1")
                    .contentType("application/problem+json")
                    .body("title", equalTo("Stream state not available yet"));
            tenantA().post("/v1/streams/{id}/cancel", id).then().statusCode(503);
            // A keyed start is still taken: the key decides the id, a second write of it is the same stream.
            tenantA().contentType("application/json").header("Idempotency-Key", "while-" + UUID.randomUUID())
                    .body(START).post("/v1/streams").then().statusCode(201);
        } finally {
            ProcessorQueriesServer.restoring(false);
        }
    }

    @Test
    void shouldPauseResumeAndCancelThroughTheControlTopic() {
        String id = start();

        tenantA().post("/v1/streams/{id}/pause", id).then().statusCode(202).body("action", equalTo("pause"));
        tenantA().get("/v1/streams/{id}", id).then().statusCode(200).body("state", equalTo("PAUSED"));
        tenantA().post("/v1/streams/{id}/resume", id).then().statusCode(202);
        String commandId = tenantA().post("/v1/streams/{id}/cancel", id).then().statusCode(202)
                .extract().path("commandId");

        var records = TopicProbe.readUntil(Topics.CONTROL, JsonSerde.of(ControlCommand.class),
                list -> list.stream().filter(r -> r.key().equals(id)).count() == 3, Duration.ofSeconds(10));
        assertThat(records.stream().filter(r -> r.key().equals(id)).map(r -> r.value().action()))
                .containsExactly(ControlAction.PAUSE, ControlAction.RESUME, ControlAction.CANCEL);
        assertThat(records.stream().filter(r -> r.key().equals(id)).reduce((a, b) -> b).orElseThrow().value().commandId())
                .isEqualTo(commandId);
    }

    @Test
    void shouldTimeEachCommandUntilKafkaAcknowledgedIt() {
        String pauses = "tokenstream_control_command_duration_seconds_count";
        var acknowledged = Map.of("action", "pause", "outcome", "acknowledged");
        double before = MetricsScrape.of(metrics).sum(pauses, acknowledged);
        double requestedBefore = MetricsScrape.of(metrics).sum("tokenstream_streams_requested_total",
                Map.of("gen_ai_provider_name", "simulator"));
        String id = start();

        tenantA().post("/v1/streams/{id}/pause", id).then().statusCode(202);

        MetricsScrape after = MetricsScrape.of(metrics);
        assertThat(after.sum(pauses, acknowledged) - before).isEqualTo(1);
        assertThat(after.sum("tokenstream_streams_requested_total", Map.of("gen_ai_provider_name", "simulator"))
                - requestedBefore).isEqualTo(1);
    }

    @Test
    void shouldRejectResumeOfARunningStreamWith409() {
        String id = start();

        tenantA().post("/v1/streams/{id}/resume", id).then().statusCode(409)
                .contentType("application/problem+json")
                .body("status", equalTo(409))
                .body("detail", containsString("in state REQUESTED"));
    }

    @Test
    void shouldRejectCommandsOnAFinishedStreamWith409() {
        String id = start();
        ProcessorQueriesServer.holds(new StreamStats(id, StreamState.COMPLETED, "simulator", "sim-fast",
                1L, 10.0, 5.0, 1.0, 2.0, 3.0, 50.0, 12, null, 300.0, 0, "stop", null, 2L).withTenant("tenant-a"));

        tenantA().get("/v1/streams/{id}", id).then().statusCode(200)
                .body("state", equalTo("COMPLETED"))
                .body("stats.outputTokens", equalTo(12));
        tenantA().post("/v1/streams/{id}/cancel", id).then().statusCode(409).contentType("application/problem+json");
    }

    @Test
    void shouldAnswer404ForAnUnknownStream() {
        String unknown = UUID.randomUUID().toString();
        tenantA().get("/v1/streams/{id}", unknown).then().statusCode(404)
                .contentType("application/problem+json")
                .body("title", equalTo("Stream not found"))
                .body("instance", equalTo("/v1/streams/" + unknown));
        tenantA().post("/v1/streams/{id}/pause", unknown).then().statusCode(404);
    }

    @Test
    void shouldRefuseAPathIdThatIsNotAStreamIdWithoutRepeatingIt() {
        tenantA().get("/v1/streams/{id}", "abc\nevent: evil").then().statusCode(400)
                .contentType("application/problem+json")
                .body("detail", containsString("must be a UUID"))
                .body("detail", not(containsString("evil")));
        tenantA().post("/v1/streams/{id}/cancel", "no-such-stream").then().statusCode(400);
    }

    @Test
    void shouldAnswerInvalidRequestsWithProblemDetails() {
        tenantA().contentType(ContentType.JSON).body("{\"provider\":\"simulator\",\"messages\":[]}")
                .post("/v1/streams").then().statusCode(400)
                .contentType("application/problem+json")
                .body("detail", containsString("messages must not be empty"))
                .body("detail", containsString("provider and model are required, or targets and merge"));
        tenantA().contentType(ContentType.JSON).body("{not json").post("/v1/streams").then().statusCode(400)
                .contentType("application/problem+json");
        tenantA().contentType(ContentType.JSON)
                .body("{\"provider\":\"p\",\"model\":\"m\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}")
                .post("/v1/streams").then().statusCode(400)
                .body("detail", containsString("must be system, user, assistant or tool"));
    }

    @Test
    void shouldRefuseAtTheDoorWhatIngestCouldNotServe() {
        String marker = "refused-" + UUID.randomUUID();
        String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"" + marker + "\"}]";
        tenantA().contentType(ContentType.JSON).body("{\"provider\":\"nope\",\"model\":\"m\"," + messages + "}")
                .post("/v1/streams").then().statusCode(400).contentType("application/problem+json")
                .body("detail", equalTo("provider must be one of listed, ollama, simulator, or replay:<streamId>"));
        tenantA().contentType(ContentType.JSON).body("{\"provider\":\"listed\",\"model\":\"model-c\"," + messages
                + "}").post("/v1/streams").then().statusCode(400)
                .body("detail", equalTo("model is not offered by provider listed; its models: model-a, model-b"));
        tenantA().contentType(ContentType.JSON).body("{\"provider\":\"listed\",\"model\":\"model-a\"," + messages
                + ",\"params\":{\"maxTokens\":" + (CatalogResource.LISTED_MAX_TOKENS + 1) + "}}")
                .post("/v1/streams").then().statusCode(400)
                .body("detail", equalTo("params.maxTokens must be at most 1000 for provider listed"));
        tenantA().contentType(ContentType.JSON).body("{\"provider\":\"simulator\",\"model\":\"sim-fast\"," + messages
                + ",\"params\":{\"maxTokens\":-5,\"temperature\":99}}").post("/v1/streams").then().statusCode(400)
                .body("detail", equalTo("params.maxTokens must be at least 1"));
        tenantA().contentType(ContentType.JSON).body("{\"provider\":\"simulator\",\"model\":\"sim-fast\"," + messages
                + ",\"params\":{\"temperature\":2.5}}").post("/v1/streams").then().statusCode(400)
                .body("detail", equalTo("params.temperature must be from 0 to 2"));
        tenantA().contentType(ContentType.JSON).body("{\"provider\":\"simulator\",\"model\":\"sim-fast\"," + messages
                + ",\"params\":{\"reasoningEffort\":\"extreme\"}}").post("/v1/streams").then().statusCode(400)
                .body("detail", equalTo(
                        "params.reasoningEffort must be one of none, minimal, low, medium, high, xhigh"));
        tenantA().contentType(ContentType.JSON).body("{\"targets\":[{\"provider\":\"simulator\",\"model\":\"a\"},"
                + "{\"provider\":\"nope\",\"model\":\"b\"}],\"merge\":{\"mode\":\"race\"}," + messages + "}")
                .post("/v1/streams").then().statusCode(400).body("detail", containsString("provider must be one of"));
        tenantA().contentType(ContentType.JSON).body("{\"provider\":\"replay:not-an-id\",\"model\":\"m\"," + messages
                + "}").post("/v1/streams").then().statusCode(400)
                .body("detail", equalTo("provider replay:<streamId> needs a stream id (a UUID)"));
        tenantA().contentType(ContentType.JSON).body("{\"provider\":\"listed\",\"model\":\"model-b\"," + messages
                + ",\"params\":{\"maxTokens\":1000,\"temperature\":0}}").post("/v1/streams").then().statusCode(201);

        String sentinel = start();
        var written = TopicProbe.readUntil(Topics.REQUESTS, JsonSerde.of(StreamRequest.class),
                list -> list.stream().anyMatch(r -> r.key().equals(sentinel)), Duration.ofSeconds(10));
        assertThat(written).filteredOn(r -> r.value().messages().get(0).content().equals(marker))
                .as("only the valid request was written").hasSize(1);
    }

    @Test
    void shouldPassTheRequestsBufferingToKafkaAndRefuseAnUnusableOne() {
        String id = tenantA().contentType(ContentType.JSON).body("""
                {"provider":"simulator","model":"sim-fast","messages":[{"role":"user","content":"hi"}],
                 "buffering":{"mode":"tokens","size":4}}""").post("/v1/streams").then().statusCode(201)
                .extract().path("streamId");
        var records = TopicProbe.readUntil(Topics.REQUESTS, JsonSerde.of(StreamRequest.class),
                list -> list.stream().anyMatch(r -> r.key().equals(id)), Duration.ofSeconds(10));
        assertThat(records.stream().filter(r -> r.key().equals(id)).findFirst().orElseThrow().value().buffering())
                .isEqualTo(new Buffering(Buffering.Mode.TOKENS, 4));

        tenantA().contentType(ContentType.JSON).body("""
                {"provider":"simulator","model":"sim-fast","messages":[{"role":"user","content":"hi"}],
                 "buffering":{"mode":"window"}}""").post("/v1/streams").then().statusCode(400)
                .contentType("application/problem+json")
                .body("detail", equalTo("buffering.size must be from 1 to 60000 for mode window"));
        tenantA().contentType(ContentType.JSON).body("""
                {"provider":"simulator","model":"sim-fast","messages":[{"role":"user","content":"hi"}],
                 "buffering":{"mode":"paragraphs"}}""").post("/v1/streams").then().statusCode(400)
                .contentType("application/problem+json");
    }

    @Test
    void shouldStartAMergeGroupAsOneMemberRequestPerTargetKeyedByTheGroup() {
        String id = tenantA().contentType(ContentType.JSON).body("""
                {"targets":[{"provider":"simulator","model":"sim-slow"},{"provider":"ollama","model":"llama3.2"}],
                 "merge":{"mode":"fallback","firstTokenTimeoutMs":2500},
                 "messages":[{"role":"user","content":"hello"}]}""").post("/v1/streams").then().statusCode(201)
                .body("links.ws", matchesPattern("ws://localhost:8081/v1/streams/[0-9a-f-]{36}/ws\\?token=.+"))
                .body("members.provider", contains("simulator", "ollama"))
                .extract().path("streamId");

        var records = TopicProbe.readUntil(Topics.REQUESTS, JsonSerde.of(StreamRequest.class),
                list -> list.stream().filter(r -> r.key().equals(id)).count() == 2, Duration.ofSeconds(10))
                .stream().filter(r -> r.key().equals(id)).map(r -> r.value()).toList();
        assertThat(records).extracting(StreamRequest::streamId).containsExactly(id + ".m0", id + ".m1");
        assertThat(records).extracting(r -> r.merge().member()).containsExactly(0, 1);
        assertThat(records.get(1).merge().mode()).isEqualTo(MergeMode.FALLBACK);
        assertThat(records.get(1).merge().firstTokenTimeoutMillis()).isEqualTo(2500);
        assertThat(records.get(1).merge().targets()).extracting(Target::model).containsExactly("sim-slow", "llama3.2");
        tenantA().get("/v1/streams/{id}", id).then().statusCode(200).body("state", equalTo("REQUESTED"));

        tenantA().post("/v1/streams/{id}/cancel", id).then().statusCode(202);
        var commands = TopicProbe.readUntil(Topics.CONTROL, JsonSerde.of(ControlCommand.class),
                list -> list.stream().anyMatch(r -> r.key().equals(id)), Duration.ofSeconds(10));
        assertThat(commands.stream().filter(r -> r.key().equals(id)).findFirst().orElseThrow().value().streamId())
                .isEqualTo(id);
    }

    @Test
    void shouldRefuseAnUnusableMergeGroupWithProblemDetails() {
        String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        String two = "\"targets\":[{\"provider\":\"simulator\",\"model\":\"a\"},"
                + "{\"provider\":\"simulator\",\"model\":\"b\"}]";
        tenantA().contentType(ContentType.JSON).body("{" + two + "," + messages + "}").post("/v1/streams").then()
                .statusCode(400).body("detail", containsString("merge.mode"));
        tenantA().contentType(ContentType.JSON).body("{" + two + ",\"merge\":{\"mode\":\"vote\"}," + messages + "}")
                .post("/v1/streams").then().statusCode(400);
        tenantA().contentType(ContentType.JSON).body("{\"provider\":\"simulator\",\"model\":\"a\"," + two
                + ",\"merge\":{\"mode\":\"race\"}," + messages + "}").post("/v1/streams").then()
                .statusCode(400).body("detail", containsString("not both"));
        tenantA().contentType(ContentType.JSON).body("{\"targets\":[{\"provider\":\"simulator\",\"model\":\"a\"}],"
                + "\"merge\":{\"mode\":\"race\"}," + messages + "}").post("/v1/streams").then().statusCode(400);
        tenantA().contentType(ContentType.JSON).body("{" + messages + "}").post("/v1/streams").then()
                .statusCode(400).body("detail", containsString("provider and model are required"));
    }

    @Test
    void shouldServeTheOpenApiDocumentAndMetricsOnlyOnTheManagementInterface() {
        tenantA().get(openapi).then().statusCode(200).body(containsString("/v1/streams/{id}/pause"));
        tenantA().get("/q/openapi").then().statusCode(404);
        tenantA().get("/q/metrics").then().statusCode(404);
    }

    private static String start() {
        return tenantA().contentType(ContentType.JSON).body(START).post("/v1/streams").then()
                .statusCode(201)
                .body("status", equalTo("REQUESTED"))
                .body("links.ws", matchesPattern("ws://localhost:8081/v1/streams/[0-9a-f-]{36}/ws\\?token=[\\w-]+"
                        + "\\.[\\w-]+\\.[\\w-]+"))
                .body("links.sse", matchesPattern("http://localhost:8081/v1/streams/[0-9a-f-]{36}/events\\?token=.+"))
                .body("links.self", matchesPattern("http://localhost:8080/v1/streams/[0-9a-f-]{36}"))
                .extract().path("streamId");
    }
}
