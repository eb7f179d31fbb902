package dev.tokenstream.auth;

import dev.tokenstream.events.ApiKey;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.HttpsJwks;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.HttpsJwksVerificationKeyResolver;

import java.util.Optional;

/**
 * Bearer tokens of an identity provider (OpenID Connect access tokens, or any JWT it signs), for deployments that
 * have one: enabled by {@code tokenstream.auth.oidc.issuer} (the {@code iss} to expect) and
 * {@code tokenstream.auth.oidc.jwks-url} (its JSON Web Key Set, fetched and cached, fetched again for an unknown
 * key id). A token is accepted when its signature (RSA or EC; never {@code none} or HMAC), issuer, expiry and, when
 * {@code tokenstream.auth.oidc.audience} is set, audience hold, and its {@code tokenstream.auth.oidc.tenant-claim}
 * ({@code tenant} by default) names a tenant: the caller is then that tenant, as with its API key. The JWKS is
 * fetched over the network: {@link #verify} blocks.
 */
@ApplicationScoped
public class OidcTokens {

    private final JwtConsumer consumer;
    private final String tenantClaim;

    public OidcTokens(@ConfigProperty(name = "tokenstream.auth.oidc.issuer") Optional<String> issuer,
                      @ConfigProperty(name = "tokenstream.auth.oidc.jwks-url") Optional<String> jwksUrl,
                      @ConfigProperty(name = "tokenstream.auth.oidc.audience") Optional<String> audience,
                      @ConfigProperty(name = "tokenstream.auth.oidc.tenant-claim", defaultValue = "tenant")
                      String tenantClaim) {
        this.tenantClaim = tenantClaim;
        if (issuer.isEmpty() || jwksUrl.isEmpty()) {
            if (issuer.isPresent() != jwksUrl.isPresent()) {
                throw new IllegalArgumentException("set both tokenstream.auth.oidc.issuer and "
                        + "tokenstream.auth.oidc.jwks-url, or neither");
            }
            this.consumer = null;
            return;
        }
        var builder = new JwtConsumerBuilder()
                .setRequireExpirationTime()
                .setAllowedClockSkewInSeconds(30)
                .setRequireSubject()
                .setExpectedIssuer(issuer.get())
                .setVerificationKeyResolver(new HttpsJwksVerificationKeyResolver(new HttpsJwks(jwksUrl.get())))
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT,
                        AlgorithmIdentifiers.RSA_USING_SHA256, AlgorithmIdentifiers.RSA_USING_SHA384,
                        AlgorithmIdentifiers.RSA_USING_SHA512, AlgorithmIdentifiers.RSA_PSS_USING_SHA256,
                        AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256,
                        AlgorithmIdentifiers.ECDSA_USING_P384_CURVE_AND_SHA384);
        audience.ifPresentOrElse(builder::setExpectedAudience, builder::setSkipDefaultAudienceValidation);
        this.consumer = builder.build();
        Log.infof("bearer tokens of identity provider %s accepted (tenant from claim '%s')", issuer.get(), tenantClaim);
    }

    /** @return whether tokens of an identity provider are accepted here */
    public boolean enabled() {
        return consumer != null;
    }

    /**
     * @param token what a caller sent
     * @return the tenant's caller, or empty when the token is not a valid one of the identity provider
     */
    public Optional<Caller> verify(String token) {
        if (consumer == null || token == null) {
            return Optional.empty();
        }
        try {
            JwtClaims claims = consumer.processToClaims(token);
            String tenant = claims.getClaimValue(tenantClaim, String.class);
            if (tenant == null || !ApiKey.TENANT_NAME.matcher(tenant).matches()) {
                Log.debugf("identity provider token of %s refused: no tenant in claim '%s'", claims.getSubject(),
                        tenantClaim);
                return Optional.empty();
            }
            return Optional.of(new Caller(Caller.Kind.TENANT_KEY, tenant, "oidc:" + claims.getSubject(), null,
                    false));
        } catch (InvalidJwtException | MalformedClaimException e) {
            Log.debugf("identity provider token refused: %s", e.getMessage());
            return Optional.empty();
        }
    }
}
