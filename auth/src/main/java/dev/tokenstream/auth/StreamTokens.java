package dev.tokenstream.auth;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.keys.HmacKey;
import org.jose4j.lang.JoseException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * Stream tokens: a JWT (RFC 7519) signed with HS256 by control-service and checked by delivery-service and
 * control-service, scoped to one stream, so a browser (which cannot set headers on a WebSocket) can open a stream's
 * links. Claims: {@code iss} {@value #ISSUER}, {@code aud} {@value #AUDIENCE}, {@code sub} the stream (or merge
 * group) id, {@code tenant}, {@code scope} {@code "read"} or {@code "read control"}, {@code iat}, {@code exp}
 * ({@code tokenstream.auth.stream-token-ttl} after issue, 15 minutes by default; a token is checked when a
 * connection opens, so an open connection outlives it). The key is {@code tokenstream.auth.stream-token-secret}
 * (env {@code STREAM_TOKEN_SECRET}, at least 32 bytes), the same in control and delivery.
 */
@ApplicationScoped
public class StreamTokens {

    /** The {@code iss} of every stream token. */
    public static final String ISSUER = "tokenstream";
    /** The {@code aud} of every stream token. */
    public static final String AUDIENCE = "tokenstream-stream";
    private static final int MIN_SECRET_BYTES = 32;
    private static final String SCOPE_READ = "read";
    private static final String SCOPE_CONTROL = "read control";

    private final HmacKey key;
    private final Duration ttl;
    private final JwtConsumer consumer;

    /**
     * @param secret the signing key's text; empty where no service issues or checks stream tokens
     * @param ttl    how long an issued token is accepted
     * @throws IllegalArgumentException for a secret shorter than 32 bytes
     */
    public StreamTokens(@ConfigProperty(name = "tokenstream.auth.stream-token-secret") Optional<String> secret,
                        @ConfigProperty(name = "tokenstream.auth.stream-token-ttl") Duration ttl) {
        byte[] bytes = secret.map(text -> text.getBytes(StandardCharsets.UTF_8)).orElse(null);
        if (bytes != null && bytes.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("tokenstream.auth.stream-token-secret (STREAM_TOKEN_SECRET) must be at "
                    + "least " + MIN_SECRET_BYTES + " bytes, e.g. the output of 'openssl rand -base64 32'");
        }
        this.key = bytes == null ? null : new HmacKey(bytes);
        this.ttl = ttl;
        this.consumer = key == null ? null : new JwtConsumerBuilder()
                .setRequireExpirationTime()
                .setAllowedClockSkewInSeconds(30)
                .setRequireSubject()
                .setExpectedIssuer(ISSUER)
                .setExpectedAudience(AUDIENCE)
                .setVerificationKey(key)
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT,
                        AlgorithmIdentifiers.HMAC_SHA256)
                .build();
    }

    /**
     * Signs and checks one token at start-up, so jose4j initialises its algorithm registry (class loading and JCA
     * provider lookups) on the main thread: done by the first client instead, it blocked a Vert.x event loop for
     * 2.8 s on a loaded 2-core machine (2026-12-02), long enough for WebSocket handshakes to time out.
     */
    void warmUp(@Observes StartupEvent startup) {
        if (key != null) {
            verify(issue("00000000-0000-0000-0000-000000000000", "warm-up", false));
        }
    }

    /**
     * Issues a token for one stream.
     *
     * @param streamId the stream or merge group id
     * @param tenant   its tenant
     * @param control  whether the token may also pause, resume and cancel the stream
     * @return the token, compact JWS form
     * @throws IllegalStateException when no secret is configured
     */
    public String issue(String streamId, String tenant, boolean control) {
        if (key == null) {
            throw new IllegalStateException("set tokenstream.auth.stream-token-secret (STREAM_TOKEN_SECRET) to issue "
                    + "stream tokens");
        }
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(ISSUER);
        claims.setAudience(AUDIENCE);
        claims.setSubject(streamId);
        claims.setClaim("tenant", tenant);
        claims.setClaim("scope", control ? SCOPE_CONTROL : SCOPE_READ);
        claims.setIssuedAtToNow();
        claims.setExpirationTime(NumericDate.fromSeconds(System.currentTimeMillis() / 1000 + ttl.toSeconds()));
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key);
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.HMAC_SHA256);
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException("cannot sign a stream token", e);
        }
    }

    /**
     * Checks a token: signature, issuer, audience, expiry.
     *
     * @param token what a caller sent
     * @return the caller it makes, or empty when it is not a valid stream token (or none can be checked here)
     */
    public Optional<Caller> verify(String token) {
        if (consumer == null || token == null) {
            return Optional.empty();
        }
        try {
            JwtClaims claims = consumer.processToClaims(token);
            String tenant = claims.getClaimValue("tenant", String.class);
            String scope = claims.getClaimValue("scope", String.class);
            return Optional.of(new Caller(Caller.Kind.STREAM_TOKEN, tenant, "stream:" + claims.getSubject(),
                    claims.getSubject(), SCOPE_CONTROL.equals(scope)));
        } catch (InvalidJwtException | MalformedClaimException e) {
            return Optional.empty();
        }
    }
}
