package dev.tokenstream.auth;

import dev.tokenstream.events.Problem;
import dev.tokenstream.events.serde.Json;
import io.quarkus.security.credential.TokenCredential;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Set;

/**
 * Reads a caller's credential: {@code Authorization: Bearer <API key or stream token>}, or on a GET (a WebSocket
 * handshake, an SSE request: browsers cannot set headers on those) a {@code token} query parameter holding a
 * stream token. A request with neither is anonymous, which {@code quarkus.http.auth.permission} lets through to the
 * page only. A refused or missing credential on the API is answered 401 with RFC 9457 problem details and
 * {@code WWW-Authenticate: Bearer}.
 */
@ApplicationScoped
public class TokenstreamAuthMechanism implements HttpAuthenticationMechanism {

    private static final String BEARER = "Bearer ";
    private static final String WWW_AUTHENTICATE = "WWW-Authenticate";
    private static final String CHALLENGE = "Bearer realm=\"tokenstream\"";

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identityProviderManager) {
        String credential = credential(context);
        if (credential == null) {
            return Uni.createFrom().nullItem();
        }
        var request = new TokenAuthenticationRequest(new TokenCredential(credential, "bearer"));
        HttpSecurityUtils.setRoutingContextAttribute(request, context);
        return identityProviderManager.authenticate(request);
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, WWW_AUTHENTICATE, CHALLENGE));
    }

    @Override
    public Uni<Boolean> sendChallenge(RoutingContext context) {
        HttpServerResponse response = context.response();
        if (!response.ended()) {
            String detail = credential(context) == null
                    ? "send 'Authorization: Bearer <API key>' (a stream's links carry a token of their own)"
                    : "the API key or stream token was not accepted: unknown, revoked, expired, or for another stream";
            response.setStatusCode(401)
                    .putHeader(WWW_AUTHENTICATE, CHALLENGE)
                    .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                    .end(Json.write(Problem.of(401, "Unauthorized", detail, null)));
        }
        return Uni.createFrom().item(true);
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(TokenAuthenticationRequest.class);
    }

    /** @return the bearer credential or the stream token of {@code context}, or null when it carries neither */
    static String credential(RoutingContext context) {
        String header = context.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            String value = header.substring(BEARER.length()).trim();
            return value.isEmpty() ? null : value;
        }
        if (context.request().method() == HttpMethod.GET) {
            String token = context.request().getParam("token");
            return token == null || token.isBlank() ? null : token;
        }
        return null;
    }
}
