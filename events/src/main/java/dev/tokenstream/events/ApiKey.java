package dev.tokenstream.events;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An API key as every service knows it: the compacted {@link Topics#API_KEYS} topic holds one record per key, keyed
 * by {@code keyId}, written by {@code tokenstream keys create|revoke} and by the local stack. The secret itself is
 * never stored: only its SHA-256.
 * <p>
 * A key's text is {@code tsk_<keyId>_<secret>}, sent as {@code Authorization: Bearer <key>} (the header the OpenAI
 * SDKs send, so the Chat Completions facade needs no change of client): {@code keyId} 12 lowercase hex characters,
 * {@code secret} 43 base64url characters (256 random bits).
 *
 * @param keyId            the key's public id
 * @param tenant           whose streams the key starts and sees; null for a service key
 * @param role             {@link #TENANT} or {@link #SERVICE} (another service's key: it may query any tenant's
 *                         streams at the processor)
 * @param secretSha256     SHA-256 of the secret's UTF-8 bytes, lowercase hex
 * @param createdAtMicros  when it was made, epoch microseconds
 * @param revoked          whether it was revoked: every service refuses it from the next poll on
 */
public record ApiKey(String keyId, String tenant, String role, String secretSha256, long createdAtMicros,
                     boolean revoked) {

    /** Role of a tenant's key. */
    public static final String TENANT = "tenant";
    /** Role of a service's key. */
    public static final String SERVICE = "service";
    /** What every key's text starts with. */
    public static final String PREFIX = "tsk_";
    /** A tenant name: 1 to 64 of letters, digits, {@code .}, {@code _} and {@code -}. */
    public static final Pattern TENANT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private static final Pattern TEXT = Pattern.compile("tsk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})");
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * A new key and its text, shown once to whoever made it.
     *
     * @param record the record to publish
     * @param text   {@code tsk_<keyId>_<secret>}: the only copy of the secret
     */
    public record Issued(ApiKey record, String text) {
    }

    /**
     * Makes a new key.
     *
     * @param tenant the tenant it belongs to, or null for a service key
     * @return the record to publish and the key's text
     * @throws IllegalArgumentException for a tenant name outside {@link #TENANT_NAME}
     */
    public static Issued issue(String tenant) {
        byte[] id = new byte[6];
        byte[] secret = new byte[32];
        RANDOM.nextBytes(id);
        RANDOM.nextBytes(secret);
        return of(PREFIX + HexFormat.of().formatHex(id) + "_" + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(secret), tenant);
    }

    /**
     * The record of a key whose text was made elsewhere (by {@code tokenstream keys generate}, or kept in a file).
     *
     * @param text   {@code tsk_<keyId>_<secret>}
     * @param tenant the tenant it belongs to, or null for a service key
     * @return the record to publish and the text
     * @throws IllegalArgumentException when {@code text} is not a key's text, or the tenant's name is not one
     */
    public static Issued of(String text, String tenant) {
        if (tenant != null && !TENANT_NAME.matcher(tenant).matches()) {
            throw new IllegalArgumentException("a tenant name is 1 to 64 letters, digits, '.', '_' or '-', "
                    + "starting with a letter or digit");
        }
        String[] parts = parse(text).orElseThrow(() -> new IllegalArgumentException(
                "an API key is tsk_, 12 hex characters, _ and 43 base64url characters"));
        return new Issued(new ApiKey(parts[0], tenant, tenant == null ? SERVICE : TENANT, sha256(parts[1]),
                Micros.now(), false), text);
    }

    /**
     * Reads a key's text.
     *
     * @param text what a caller sent, or null
     * @return its key id and secret, or empty when it is not a key's text
     */
    public static Optional<String[]> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher matcher = TEXT.matcher(text);
        return matcher.matches() ? Optional.of(new String[] {matcher.group(1), matcher.group(2)}) : Optional.empty();
    }

    /** @return SHA-256 of {@code secret}'s UTF-8 bytes, lowercase hex */
    public static String sha256(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /**
     * Whether {@code secret} is this key's, in time independent of where the texts differ.
     *
     * @param secret the secret a caller sent
     * @return true when it matches and the key is not revoked
     */
    public boolean accepts(String secret) {
        return !revoked && MessageDigest.isEqual(sha256(secret).getBytes(StandardCharsets.US_ASCII),
                secretSha256.getBytes(StandardCharsets.US_ASCII));
    }

    /** @return this key, revoked */
    public ApiKey revoke() {
        return new ApiKey(keyId, tenant, role, secretSha256, createdAtMicros, true);
    }
}
