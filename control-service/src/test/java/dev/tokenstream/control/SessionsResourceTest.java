package dev.tokenstream.control;

import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import dev.tokenstream.control.messaging.ProviderCatalog;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.RecordedRequest;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.Session;
import dev.tokenstream.events.SessionTurn;
import dev.tokenstream.events.StreamRequest;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.StreamStats;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.Json;
import dev.tokenstream.events.serde.JsonSerde;
import dev.tokenstream.testsupport.HttpStandIn;
import dev.tokenstream.testsupport.IdentityProviderServer;
import dev.tokenstream.testsupport.KafkaTestResource;
import dev.tokenstream.testsupport.ProcessorQueriesServer;
import dev.tokenstream.testsupport.TestKeys;
import dev.tokenstream.testsupport.TopicProbe;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.awaitility.Awaitility.await;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * Sessions: the conversation a turn sends the provider is the earlier turns' messages and delivered answers (a
 * cancelled one's partial text, marked), kept in the real sessions topic; the processor's queries and delivery's
 * events are stand-ins the test fills, as a stream ends.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(ProcessorQueriesServer.class)
@QuarkusTestResource(CatalogResource.class)
@QuarkusTestResource(IdentityProviderServer.class)
@QuarkusTestResource(value = SessionsResourceTest.DeliveryEvents.class, restrictToAnnotatedClass = true)
class SessionsResourceTest {

    @Inject
    ProviderCatalog catalog;

    /** Starts are refused with 503 until the catalog published before start-up is read (the design's answer). */
    @BeforeEach
    void awaitTheCatalog() {
        await().atMost(Duration.ofSeconds(30)).until(catalog::isKnown);
    }

    /** Frames delivery-service serves per stream. */
    private static final Map<String, List<DeliveryFrame>> FRAMES = new ConcurrentHashMap<>();

    /** delivery-service's {@code GET /v1/streams/{id}/events}, for the services' key only. */
    public static final class DeliveryEvents extends HttpStandIn {
        @Override
        protected Map<String, String> configure(String baseUrl) {
            return Map.of("control.delivery-base-url", baseUrl);
        }

        @Override
        protected MockResponse answer(RecordedRequest request) {
            String[] path = path(request).split("/");
            String id = path.length > 3 ? path[3] : "";
            if (!TestKeys.bearer(TestKeys.SERVICE).equals(header(request, "Authorization"))
                    || !FRAMES.containsKey(id)) {
                return respond(404, "application/problem+json", "{\"status\":404}");
            }
            // As delivery does: a greeting comment first, a heartbeat comment between frames.
            var events = new StringBuilder(": stream " + id + "\n\n");
            FRAMES.get(id).forEach(frame -> events.append(": heartbeat\n\n").append("id: ").append(frame.seq())
                    .append("\nevent: ").append(frame.type().wireName()).append("\ndata: ").append(Json.write(frame))
                    .append("\n\n"));
            return respond(200, "text/event-stream", events.toString());
        }
    }

    @Test
    void shouldSendTheProviderTheWholeConversationOnTheThirdTurnWithACancelledAnswerMarked() {
        String session = tenantA().contentType(ContentType.JSON).body("{}").post("/v1/sessions").then()
                .statusCode(201).body("turns.size()", equalTo(0)).extract().path("sessionId");

        String first = turn(session, "Hi");
        assertThat(request(first).messages()).extracting(m -> m.content()).containsExactly("Hi");
        tenantA().contentType(ContentType.JSON).body(startBody(session, "Too soon")).post("/v1/streams").then()
                .statusCode(409).body("detail", containsString("still streaming"));
        ended(first, StreamState.COMPLETED, "Hello", " there.");

        String second = turn(session, "Tell me a story");
        assertThat(request(second).messages()).extracting(m -> m.role() + ":" + m.content())
                .containsExactly("user:Hi", "assistant:Hello there.", "user:Tell me a story");
        ended(second, StreamState.CANCELLED, "Once upon");

        String third = turn(session, "Shorter, please");
        assertThat(request(third).messages()).extracting(m -> m.role() + ":" + m.content()).containsExactly(
                "user:Hi", "assistant:Hello there.", "user:Tell me a story",
                "assistant:Once upon\n\n" + SessionTurn.CANCELLED_MARK, "user:Shorter, please");

        Session listed = tenantA().get("/v1/sessions/{id}", session).then().statusCode(200).extract()
                .as(Session.class);
        assertThat(listed.turns()).extracting(SessionTurn::streamId).containsExactly(first, second, third);
        assertThat(listed.turns()).extracting(SessionTurn::outcome)
                .containsExactly(StreamState.COMPLETED, StreamState.CANCELLED, null);
        assertThat(listed.turns().get(1).answer()).isEqualTo("Once upon");

        ended(third, StreamState.COMPLETED, "Once.");
        String regenerated = tenantA().contentType(ContentType.JSON).body(startBody(session, "Shorter, please")
                        .replace("}]}", "}],\"replaceLastTurn\":true}")).post("/v1/streams").then().statusCode(201)
                .extract().path("streamId");
        assertThat(request(regenerated).messages()).as("the conversation before the replaced turn, then the turn")
                .extracting(m -> m.content()).containsExactly("Hi", "Hello there.", "Tell me a story",
                        "Once upon\n\n" + SessionTurn.CANCELLED_MARK, "Shorter, please");
        assertThat(tenantA().get("/v1/sessions/{id}", session).then().statusCode(200).extract().as(Session.class)
                .turns()).extracting(SessionTurn::streamId).containsExactly(first, second, regenerated);
    }

    @Test
    void shouldKeepSessionsToTheirTenantAndNameThemByKeyOrAfterAStream() {
        String key = "chat-" + System.nanoTime();
        String byKey = tenantA().contentType(ContentType.JSON).body("{\"key\":\"" + key + "\"}").post("/v1/sessions")
                .then().statusCode(201).extract().path("sessionId");
        tenantA().contentType(ContentType.JSON).body("{\"key\":\"" + key + "\"}").post("/v1/sessions").then()
                .statusCode(200).body("sessionId", equalTo(byKey));
        String sameKeyOfB = given().header("Authorization", TestKeys.bearer(TestKeys.TENANT_B))
                .contentType(ContentType.JSON).body("{\"key\":\"" + key + "\"}").post("/v1/sessions").then()
                .statusCode(201).extract().path("sessionId");
        assertThat(sameKeyOfB).isNotEqualTo(byKey);

        given().header("Authorization", TestKeys.bearer(TestKeys.TENANT_B)).get("/v1/sessions/{id}", byKey).then()
                .statusCode(404).contentType("application/problem+json");
        given().header("Authorization", TestKeys.bearer(TestKeys.TENANT_B)).contentType(ContentType.JSON)
                .body(startBody(byKey, "Hi")).post("/v1/streams").then().statusCode(404);

        String first = turn(byKey, "One");
        ended(first, StreamState.COMPLETED, "1");
        String second = turn(byKey, "Two");
        ended(second, StreamState.COMPLETED, "2");
        tenantA().contentType(ContentType.JSON).body("{\"after\":\"" + second + "\"}").post("/v1/sessions").then()
                .statusCode(200).body("sessionId", equalTo(byKey));
        String branch = tenantA().contentType(ContentType.JSON).body("{\"after\":\"" + first + "\"}")
                .post("/v1/sessions").then().statusCode(201).body("turns.size()", equalTo(1)).extract()
                .path("sessionId");
        String other = turn(branch, "Three");
        assertThat(request(other).messages()).extracting(m -> m.content()).containsExactly("One", "1", "Three");
        given().header("Authorization", TestKeys.bearer(TestKeys.TENANT_B)).contentType(ContentType.JSON)
                .body("{\"after\":\"" + first + "\"}").post("/v1/sessions").then().statusCode(404);
    }

    private static String turn(String session, String text) {
        return tenantA().contentType(ContentType.JSON).body(startBody(session, text)).post("/v1/streams").then()
                .statusCode(201).extract().path("streamId");
    }

    private static String startBody(String session, String text) {
        return "{\"provider\":\"simulator\",\"model\":\"sim-fast\",\"sessionId\":\"" + session + "\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    }

    /** Stream {@code id} ended: the processor says so, delivery serves its frames. */
    private static void ended(String id, StreamState state, String... tokens) {
        ProcessorQueriesServer.holds(new StreamStats(id, state, "simulator", "sim-fast", 1L, 10.0, 5.0, 1.0, 2.0,
                3.0, 50.0, tokens.length, null, 300.0, 0, null, null, 2L).withTenant("tenant-a"));
        var frames = new java.util.ArrayList<DeliveryFrame>();
        frames.add(DeliveryFrame.of(FrameType.STARTED, id, 0, 1L));
        for (String token : tokens) {
            frames.add(DeliveryFrame.token(id, frames.size(), token, 2L));
        }
        frames.add(DeliveryFrame.of(state == StreamState.COMPLETED ? FrameType.COMPLETED : FrameType.CANCELLED, id,
                frames.size(), 3L));
        FRAMES.put(id, frames);
    }

    private static StreamRequest request(String id) {
        return TopicProbe.readUntil(Topics.REQUESTS, JsonSerde.of(StreamRequest.class),
                        list -> list.stream().anyMatch(r -> r.key().equals(id)), Duration.ofSeconds(10))
                .stream().filter(r -> r.key().equals(id)).findFirst().orElseThrow().value();
    }

    private static RequestSpecification tenantA() {
        return given().header("Authorization", TestKeys.bearer(TestKeys.TENANT_A));
    }
}
