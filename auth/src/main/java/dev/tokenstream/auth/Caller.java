package dev.tokenstream.auth;

import dev.tokenstream.events.Merge;
import io.quarkus.security.identity.SecurityIdentity;

import java.util.Objects;

/**
 * Who is calling, as {@link TokenstreamIdentityProvider} authenticated them: a tenant's API key, another service's
 * key, or a stream token (a link's {@code token}, scoped to one stream). Every entrance decides with it whether the
 * caller may see a stream; a stream the caller may not see is answered as if it did not exist (404).
 *
 * @param kind     how the caller authenticated
 * @param tenant   the tenant: the key's, or the stream token's; null for a service key
 * @param name     the key id, or {@code stream:<id>} for a stream token (for logs; never a secret)
 * @param streamId a stream token's stream (or merge group); null for keys
 * @param control  a stream token's right to pause, resume and cancel its stream
 */
public record Caller(Kind kind, String tenant, String name, String streamId, boolean control) {

    /** The {@link SecurityIdentity} attribute that holds the caller. */
    public static final String ATTRIBUTE = "tokenstream.caller";

    /** How a caller authenticated; the name is also the identity's role. */
    public enum Kind {
        /** A tenant's API key: starts streams, sees and controls the tenant's streams. */
        TENANT_KEY,
        /** Another service's key: queries any tenant's streams at the processor, starts and controls none. */
        SERVICE_KEY,
        /** A stream token: reads one stream (and its merge group's members), controls it when granted. */
        STREAM_TOKEN
    }

    /**
     * @param identity an authenticated identity
     * @return its caller
     * @throws IllegalStateException for an anonymous identity (the HTTP permission lets none through to /v1)
     */
    public static Caller of(SecurityIdentity identity) {
        Caller caller = identity == null ? null : identity.getAttribute(ATTRIBUTE);
        if (caller == null) {
            throw new IllegalStateException("no authenticated caller: is /v1/* behind quarkus.http.auth.permission?");
        }
        return caller;
    }

    /**
     * Whether the caller may read a stream (its frames, its status).
     *
     * @param id           the stream, merge group or member id asked for
     * @param streamTenant the stream's tenant (null: a stream of no tenant, which only a service sees)
     * @return true when it may
     */
    public boolean mayRead(String id, String streamTenant) {
        return switch (kind) {
            case SERVICE_KEY -> true;
            case TENANT_KEY -> streamTenant != null && streamTenant.equals(tenant);
            case STREAM_TOKEN -> covers(id) && Objects.equals(streamTenant, tenant);
        };
    }

    /**
     * Whether the caller may pause, resume or cancel a stream.
     *
     * @param id           the stream or merge group
     * @param streamTenant its tenant
     * @return true when it may
     */
    public boolean mayControl(String id, String streamTenant) {
        return switch (kind) {
            case SERVICE_KEY -> false;
            case TENANT_KEY -> mayRead(id, streamTenant);
            case STREAM_TOKEN -> control && mayRead(id, streamTenant);
        };
    }

    /** @return whether a stream token names {@code id}: its stream, or a member of its merge group */
    public boolean covers(String id) {
        return streamId != null && (streamId.equals(id) || streamId.equals(Merge.partitionKey(id)));
    }
}
