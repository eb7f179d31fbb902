package dev.tokenstream.testsupport;

import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.RecordedRequest;
import dev.tokenstream.events.Problem;
import dev.tokenstream.events.StreamStats;
import dev.tokenstream.events.TenantUsage;
import dev.tokenstream.events.serde.Json;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A real HTTP server speaking stream-processor's interactive-query API ({@code GET /v1/streams/{id}/stats}: 200 with
 * {@link StreamStats}, 404 or 503 problem details; {@code GET /v1/tenants/{tenant}/usage}: {@link TenantUsage}), answering what a test put in it, and configured as the
 * {@code processor-api} REST client. Like the processor, it answers only callers with the service key
 * ({@link TestKeys#SERVICE}). control-service's and ingest's tests run without a processor; the whole-stack
 * tests run them against the real one.
 */
public class ProcessorQueriesServer extends HttpStandIn {

    private static final Map<String, StreamStats> STREAMS = new ConcurrentHashMap<>();
    private static final Map<String, TenantUsage> TENANTS = new ConcurrentHashMap<>();
    private static volatile boolean restoring;

    /** The processor holds {@code stats} for its stream from now on. */
    public static void holds(StreamStats stats) {
        STREAMS.put(stats.streamId(), stats);
    }

    /** The processor counts {@code usage} for its tenant from now on (unknown tenants: none). */
    public static void holds(TenantUsage usage) {
        TENANTS.put(usage.tenant(), usage);
    }

    /** While true, every query answers 503 with {@code Retry-After}, as a processor restoring its stores does. */
    public static void restoring(boolean value) {
        restoring = value;
    }

    @Override
    protected Map<String, String> configure(String baseUrl) {
        return Map.of("quarkus.rest-client.processor-api.url", baseUrl);
    }

    @Override
    protected MockResponse answer(RecordedRequest request) {
        // As the processor does, only callers with the service's key are answered.
        if (!TestKeys.bearer(TestKeys.SERVICE).equals(header(request, "Authorization"))) {
            return respond(401, null, null);
        }
        String[] path = path(request).split("/");
        if (path.length > 3 && path[2].equals("tenants")) {
            String tenant = path[3];
            return respond(200, "application/json", Json.write(TENANTS.getOrDefault(tenant,
                    TenantUsage.none(tenant, System.currentTimeMillis()))));
        }
        StreamStats stats = path.length == 5 && "stats".equals(path[4]) ? STREAMS.get(path[3]) : null;
        int status = restoring ? 503 : stats == null ? 404 : 200;
        Object body = status == 200 ? stats : Problem.of(status, status == 503 ? "Statistics not available yet"
                : "Stream not found", "as the test set it", null);
        MockResponse response = respond(status, status == 200 ? "application/json" : Problem.MEDIA_TYPE,
                Json.write(body));
        return status == 503 ? response.setHeader("Retry-After", "1") : response;
    }
}
