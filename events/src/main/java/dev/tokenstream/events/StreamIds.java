package dev.tokenstream.events;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.NameBasedGenerator;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;

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
     * so a retried request names the stream the first one started. A version 5 UUID (SHA-1, RFC 9562), not a
     * time-ordered one: delivery reads such a stream's first subscriber's frames back once rather than trust memory.
     *
     * @param scope what the key is unique within: the tenant, so two tenants never name one stream
     * @param key   the {@code Idempotency-Key} header's value
     * @return the stream id for the key
     */
    public static String fromIdempotencyKey(String scope, String key) {
        return FROM_KEYS.generate(scope + "\n" + key).toString();
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
