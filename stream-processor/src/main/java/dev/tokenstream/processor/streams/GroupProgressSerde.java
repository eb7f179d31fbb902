package dev.tokenstream.processor.streams;

import dev.tokenstream.events.serde.Json;

/**
 * Serde of the {@link StreamTopology#GROUP_STORE}'s values: writes {@link GroupProgress#FORMAT}, reads it and
 * format 1 (the same names, without {@code format}).
 */
final class GroupProgressSerde extends VersionedStateSerde<GroupProgress> {

    GroupProgressSerde() {
        super(GroupProgress.class, GroupProgress.FORMAT, tree -> Json.MAPPER.treeToValue(tree, GroupProgress.class));
    }
}
