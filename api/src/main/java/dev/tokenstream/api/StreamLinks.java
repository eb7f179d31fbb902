package dev.tokenstream.api;

/**
 * Links of a stream, in control-service's answers: absolute URLs of its WebSocket and its SSE endpoint on the
 * delivery instance that owns it, each with a stream token ({@code ?token=}, valid
 * {@code tokenstream.auth.stream-token-ttl}, to read and control this stream only), and of its status.
 *
 * @param ws   {@code ws[s]://.../v1/streams/{id}/ws?token=...}
 * @param sse  {@code http[s]://.../v1/streams/{id}/events?token=...}
 * @param self {@code http[s]://.../v1/streams/{id}} on control-service's public base URL
 */
public record StreamLinks(String ws, String sse, String self) {
}
