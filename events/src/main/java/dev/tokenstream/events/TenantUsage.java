package dev.tokenstream.events;

/**
 * A tenant's usage now, as the processor counts it from {@link TenantSample}s and answers it at
 * {@code GET /v1/tenants/{tenant}/usage}: what control-service holds against the tenant's quotas.
 *
 * @param tenant            the tenant
 * @param activeStreams     streams requested and not ended
 * @param windowStartMillis start of the current one-minute window, epoch milliseconds (a multiple of 60 000)
 * @param requests          streams requested in the current window
 * @param outputTokens      output tokens counted in the current window
 */
public record TenantUsage(String tenant, int activeStreams, long windowStartMillis, int requests, long outputTokens) {

    /** The length of a usage window. */
    public static final long WINDOW_MILLIS = 60_000;

    /** @return a tenant that has used nothing */
    public static TenantUsage none(String tenant, long nowMillis) {
        return new TenantUsage(tenant, 0, nowMillis - nowMillis % WINDOW_MILLIS, 0, 0);
    }
}
