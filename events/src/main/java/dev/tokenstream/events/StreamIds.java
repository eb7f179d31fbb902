package dev.tokenstream.events;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;

import java.util.OptionalLong;
import java.util.UUID;

/**
 * Stream ids: version 7 UUIDs (RFC 9562, section 5.7), whose first 48 bits are the creation time in epoch
 * milliseconds, so any service can tell a stream's age from its id alone (delivery does, to know that memory
 * holds a new stream whole). A merge group member's id is its group's id and {@code .m<i>} ({@link Merge}).
 * Ids made elsewhere (older versions, other UUIDs) stay valid; they carry no time.
 */
public final class StreamIds {

    private static final TimeBasedEpochGenerator GENERATOR = Generators.timeBasedEpochGenerator();

    private StreamIds() {
    }

    /** @return a new stream id, e.g. {@code 019ab2c4-3f1e-7a4b-9c2d-5e6f7a8b9c0d} */
    public static String newId() {
        return GENERATOR.generate().toString();
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
