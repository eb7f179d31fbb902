package dev.tokenstream.events;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** The contract's time unit: microseconds since the epoch, as in {@code emittedAtMicros}. */
public final class Micros {

    private Micros() {
    }

    /** @return the wall clock now, epoch microseconds */
    public static long now() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }
}
