package dev.tokenstream.replay;

import dev.tokenstream.events.TokenEvent;

/**
 * One token event as it is stored in Kafka.
 *
 * @param event           the event
 * @param topic           the topic it was read from
 * @param partition       its partition
 * @param offset          its offset
 * @param timestampMillis the record's timestamp (the producer's create time), epoch milliseconds
 */
public record RecordedEvent(TokenEvent event, String topic, int partition, long offset, long timestampMillis) {
}
