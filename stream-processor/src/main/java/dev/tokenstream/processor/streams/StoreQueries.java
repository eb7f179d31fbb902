package dev.tokenstream.processor.streams;

import dev.tokenstream.events.ModelStats;
import dev.tokenstream.events.StreamStats;
import dev.tokenstream.events.TenantUsage;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads this instance's stores for interactive queries. Each call may throw
 * {@link org.apache.kafka.streams.errors.InvalidStateStoreException} while a store is not queryable.
 */
public final class StoreQueries {

    private StoreQueries() {
    }

    /** @return the statistics of a stream or merge group held by this instance, at {@code nowMicros} */
    public static Optional<StreamStats> streamStats(KafkaStreams streams, String streamId, long nowMicros) {
        ReadOnlyKeyValueStore<String, StreamProgress> states = streams.store(StoreQueryParameters.fromNameAndType(
                StreamTopology.STATE_STORE, QueryableStoreTypes.keyValueStore()));
        StreamProgress progress = states.get(streamId);
        if (progress != null) {
            return Optional.of(StreamStatistics.of(streamId, progress, nowMicros));
        }
        ReadOnlyKeyValueStore<String, GroupProgress> groups = streams.store(StoreQueryParameters.fromNameAndType(
                StreamTopology.GROUP_STORE, QueryableStoreTypes.keyValueStore()));
        GroupProgress group = groups.get(streamId);
        return group == null || !group.registered ? Optional.empty()
                : Optional.of(MergeGroups.stats(streamId, group, nowMicros));
    }

    /** @return the usage of a tenant held by this instance at {@code nowMillis}; none for a tenant it never saw */
    public static TenantUsage tenantUsage(KafkaStreams streams, String tenant, long nowMillis) {
        ReadOnlyKeyValueStore<String, TenantWindow> usage = streams.store(StoreQueryParameters.fromNameAndType(
                StreamTopology.TENANT_USAGE_STORE, QueryableStoreTypes.keyValueStore()));
        TenantWindow window = usage.get(tenant);
        return window == null ? TenantUsage.none(tenant, nowMillis) : window.usage(tenant, nowMillis);
    }

    /** @return this instance's model windows that start at {@code sinceMillis} minus one window or later */
    public static List<ModelStats> modelWindows(KafkaStreams streams, long sinceMillis) {
        ReadOnlyWindowStore<String, ModelWindow> windows = streams.store(StoreQueryParameters.fromNameAndType(
                StreamTopology.MODEL_WINDOW_STORE, QueryableStoreTypes.windowStore()));
        List<ModelStats> found = new ArrayList<>();
        try (KeyValueIterator<Windowed<String>, ModelWindow> all = windows.fetchAll(
                Instant.ofEpochMilli(sinceMillis - StreamTopology.MODEL_WINDOW.toMillis()), Instant.now())) {
            while (all.hasNext()) {
                KeyValue<Windowed<String>, ModelWindow> window = all.next();
                if (window.key.window().end() > sinceMillis) {
                    found.add(window.value.toStats(window.key.key(), window.key.window().start(),
                            window.key.window().end()));
                }
            }
        }
        return found;
    }
}
