package dev.tokenstream.auth;

import dev.tokenstream.events.ApiKey;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Optional;

/**
 * Turns a bearer credential into a {@link Caller}: {@code tsk_...} text is an API key, checked against
 * {@link ApiKeyStore} (unknown, revoked or wrong secret: refused); anything else must be a stream token
 * ({@link StreamTokens}). In memory, no I/O: it runs on the event loop.
 */
@ApplicationScoped
public class TokenstreamIdentityProvider implements IdentityProvider<TokenAuthenticationRequest> {

    private final ApiKeyStore keys;
    private final StreamTokens tokens;

    public TokenstreamIdentityProvider(ApiKeyStore keys, StreamTokens tokens) {
        this.keys = keys;
        this.tokens = tokens;
    }

    @Override
    public Class<TokenAuthenticationRequest> getRequestType() {
        return TokenAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(TokenAuthenticationRequest request,
                                              AuthenticationRequestContext context) {
        String credential = request.getToken().getToken();
        Optional<Caller> caller = ApiKey.parse(credential)
                .map(parts -> keys.find(parts[0]).filter(key -> key.accepts(parts[1])).map(TokenstreamIdentityProvider::caller))
                .orElseGet(() -> tokens.verify(credential));
        if (caller.isEmpty()) {
            return Uni.createFrom().failure(new AuthenticationFailedException("credential not accepted"));
        }
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(caller.get().name()))
                .addRole(caller.get().kind().name())
                .addAttribute(Caller.ATTRIBUTE, caller.get())
                .build());
    }

    private static Caller caller(ApiKey key) {
        return ApiKey.SERVICE.equals(key.role())
                ? new Caller(Caller.Kind.SERVICE_KEY, null, key.keyId(), null, false)
                : new Caller(Caller.Kind.TENANT_KEY, key.tenant(), key.keyId(), null, false);
    }
}
