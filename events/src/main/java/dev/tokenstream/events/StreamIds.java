package dev.tokenstream.events;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.NameBasedGenerator;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Stream ids: version 7 UUIDs (RFC 9562, section 5.7), whose first 48 bits are the creation time in epoch
 * milliseconds, so any service can tell a stream's age from its id alone (delivery does, to know that memory
 * holds a new stream whole). A merge group member's id is its group's id and {@code .m<i>} ({@link Merge}).
 * Ids made elsewhere (older versions, other UUIDs) stay valid; they carry no time.
 */
public final class StreamIds {

    private static final TimeBasedEpochGenerator GENERATOR = Generators.timeBasedEpochGenerator();
    /** The namespace of the ids made from idempotency keys (a fixed random UUID). */
    private static final NameBasedGenerator FROM_KEYS = Generators.nameBasedGenerator(
            UUID.fromString("6f1d2c8e-3b7a-4e59-9c41-7d2a5b8e0f13"));

    /** How far in the future a key's time may be (clocks differ) and still give a time-ordered id. */
    private static final long FUTURE_TOLERANCE_MILLIS = 60_000;

    /** A stream id as it may appear at an entrance: a UUID in its canonical text form, or a member's id. */
    private static final Pattern VALID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(\\.m[0-9])?");

    private StreamIds() {
    }

    /**
     * Whether a text from outside (a path, a query) is a stream id: a UUID in its canonical 8-4-4-4-12 hex form,
     * or a merge group member's id ({@code <uuid>.m<i>}). Every entrance refuses anything else before using it.
     *
     * @param text any text, or null
     * @return true for a well-formed stream id
     */
    public static boolean isValid(String text) {
        return text != null && VALID.matcher(text).matches();
    }

    /** @return a new stream id, e.g. {@code 019ab2c4-3f1e-7a4b-9c2d-5e6f7a8b9c0d} */
    public static String newId() {
        return GENERATOR.generate().toString();
    }

    /**
     * The stream id of a start request sent with an {@code Idempotency-Key}: the same key always gives the same id,
     * so a retried request names the stream the first one started. When the key is itself a version 7 UUID (the
     * Java SDK's are) and not from the future, the id is a version 7 UUID with the key's time and its other bits
     * from SHA-256 of scope and key, so delivery can tell its age and trust memory with a new stream. Any other key
     * gives a version 5 UUID (SHA-1, RFC 9562), which carries no time: delivery then reads the stream's first
     * subscriber's frames back once rather than trust memory.
     *
     * @param scope what the key is unique within: the tenant, so two tenants never name one stream
     * @param key   the {@code Idempotency-Key} header's value
     * @return the stream id for the key
     */
    public static String fromIdempotencyKey(String scope, String key) {
        String name = scope + "\n" + key;
        OptionalLong keyTime = createdAtMillis(key);
        if (keyTime.isEmpty() || keyTime.getAsLong() > System.currentTimeMillis() + FUTURE_TOLERANCE_MILLIS) {
            return FROM_KEYS.generate(name).toString();
        }
        ByteBuffer hash = ByteBuffer.wrap(sha256(name));
        // RFC 9562 5.7: 48 bits of time, version 7, 12 bits and (after the variant) 62 bits of "random", here hashed.
        long most = (keyTime.getAsLong() << 16) | 0x7000L | (hash.getShort() & 0x0FFFL);
        long least = (hash.getLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(most, least).toString();
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /**
     * @param streamId a stream or merge group member id
     * @return when it (or its group) was created, epoch milliseconds; empty when the id is not a version 7 UUID
     */
    public static OptionalLong createdAtMillis(String streamId) {
        try {
            UUID uuid = UUID.fromString(Merge.partitionKey(streamId));
            return uuid.version() == 7 ? OptionalLong.of(uuid.getMostSignificantBits() >>> 16) : OptionalLong.empty();
        } catch (IllegalArgumentException e) {
            return OptionalLong.empty();
        }
    }
}
