package dev.tokenstream.events;

/**
 * One provider token of a batched {@link TokenEvent}: how much of the event's text it is and when ingest received it.
 *
 * @param length          its text's length, in UTF-16 chars (Java's {@code String.length()})
 * @param emittedAtMicros when ingest received it from the provider, epoch microseconds
 */
public record TokenSlice(int length, long emittedAtMicros) {
}
