package dev.tokenstream.events.serde;

import dev.tokenstream.events.Merge;
import dev.tokenstream.events.TokenEvent;

/**
 * The records of {@code tokenstream.tokens}: one {@link TokenEvent} as a JSON object, keyed by its stream's
 * partition key ({@link Merge#partitionKey}), or, when ingest published the events of several streams of one
 * partition together (they queued behind the partition's record in flight), a JSON array of events in the order
 * they were published, with no key. Every event of an array belongs to the partition the record is in; a stream's
 * events keep their order across records and within one.
 */
public final class TokenEventRecords extends JsonRecords<TokenEvent> {

    public TokenEventRecords() {
        super(TokenEvent.class);
    }
}
