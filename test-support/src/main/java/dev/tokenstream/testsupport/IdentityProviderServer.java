package dev.tokenstream.testsupport;

import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.RecordedRequest;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

import java.time.Duration;
import java.util.Map;

/**
 * A real HTTP server in the role of an OpenID Connect provider's key endpoint: it serves the JSON Web Key Set of an
 * RSA key made at start, and signs test tokens with it ({@link #token}). Configures
 * {@code tokenstream.auth.oidc.issuer} and {@code tokenstream.auth.oidc.jwks-url} for a {@code @QuarkusTest}.
 */
public class IdentityProviderServer extends HttpStandIn {

    /** The issuer the services under test expect. */
    public static final String ISSUER = "https://idp.tokenstream.test";

    private static final RsaJsonWebKey KEY = generate("test-key");

    /**
     * Signs a token as the identity provider would.
     *
     * @param issuer its {@code iss}
     * @param tenant its {@code tenant} claim, or null for none
     * @param ttl    how long until it expires (negative: expired)
     * @param key    the key to sign with: {@link #key()} for the provider's own
     * @return the token, compact form
     */
    public static String token(String issuer, String tenant, Duration ttl, RsaJsonWebKey key) {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(issuer);
        claims.setSubject("user-1");
        if (tenant != null) {
            claims.setClaim("tenant", tenant);
        }
        claims.setIssuedAtToNow();
        claims.setExpirationTime(NumericDate.fromSeconds(System.currentTimeMillis() / 1000 + ttl.toSeconds()));
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key.getPrivateKey());
        jws.setKeyIdHeaderValue(key.getKeyId());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the provider's signing key */
    public static RsaJsonWebKey key() {
        return KEY;
    }

    /** @return a key of the same id that the provider never published (a forger's) */
    public static RsaJsonWebKey forgersKey() {
        return generate(KEY.getKeyId());
    }

    private static RsaJsonWebKey generate(String keyId) {
        try {
            RsaJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
            key.setKeyId(keyId);
            return key;
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected Map<String, String> configure(String baseUrl) {
        return Map.of("tokenstream.auth.oidc.issuer", ISSUER, "tokenstream.auth.oidc.jwks-url", baseUrl + "/jwks");
    }

    @Override
    protected MockResponse answer(RecordedRequest request) {
        return path(request).equals("/jwks") ? respond(200, "application/json", new JsonWebKeySet(KEY).toJson())
                : respond(404, null, null);
    }
}
