package dev.tokenstream.processor.streams;

import dev.tokenstream.events.serde.Json;

/**
 * Serde of the {@link StreamTopology#STATE_STORE}'s values: writes {@link StreamProgress#FORMAT}, reads it and
 * format 1 ({@link StreamProgressV1}).
 */
final class StreamProgressSerde extends VersionedStateSerde<StreamProgress> {

    StreamProgressSerde() {
        super(StreamProgress.class, StreamProgress.FORMAT,
                tree -> Json.MAPPER.treeToValue(tree, StreamProgressV1.class).upgrade());
    }
}
