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
 * {@link ApiKeyStore} (unknown, revoked or wrong secret: refused); anything else is a stream token
 * ({@link StreamTokens}) or, where configured, an identity provider's token ({@link OidcTokens}). Keys and stream
 * tokens are checked in memory on the event loop; an identity provider's token on a worker thread (its keys may
 * have to be fetched).
 */
@ApplicationScoped
public class TokenstreamIdentityProvider implements IdentityProvider<TokenAuthenticationRequest> {

    private final ApiKeyStore keys;
    private final StreamTokens tokens;
    private final OidcTokens oidc;

    public TokenstreamIdentityProvider(ApiKeyStore keys, StreamTokens tokens, OidcTokens oidc) {
        this.keys = keys;
        this.tokens = tokens;
        this.oidc = oidc;
    }

    @Override
    public Class<TokenAuthenticationRequest> getRequestType() {
        return TokenAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(TokenAuthenticationRequest request,
                                              AuthenticationRequestContext context) {
        String credential = request.getToken().getToken();
        Optional<String[]> key = ApiKey.parse(credential);
        Optional<Caller> caller = key.isPresent()
                ? keys.find(key.get()[0]).filter(found -> found.accepts(key.get()[1]))
                        .map(TokenstreamIdentityProvider::caller)
                : tokens.verify(credential);
        if (caller.isEmpty() && key.isEmpty() && oidc.enabled()) {
            return context.runBlocking(() -> identity(oidc.verify(credential)));
        }
        return Uni.createFrom().item(() -> identity(caller));
    }

    private static SecurityIdentity identity(Optional<Caller> caller) {
        if (caller.isEmpty()) {
            throw new AuthenticationFailedException("credential not accepted");
        }
        return QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(caller.get().name()))
                .addRole(caller.get().kind().name())
                .addAttribute(Caller.ATTRIBUTE, caller.get())
                .build();
    }

    private static Caller caller(ApiKey key) {
        return ApiKey.SERVICE.equals(key.role())
                ? new Caller(Caller.Kind.SERVICE_KEY, null, key.keyId(), null, false)
                : new Caller(Caller.Kind.TENANT_KEY, key.tenant(), key.keyId(), null, false);
    }
}
