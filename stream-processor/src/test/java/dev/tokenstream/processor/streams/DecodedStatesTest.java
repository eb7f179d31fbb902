package dev.tokenstream.processor.streams;

import dev.tokenstream.events.StreamState;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The decoded copies never differ from what the store holds. */
class DecodedStatesTest {

    private KeyValueStore<String, StreamProgress> store;
    private DecodedStates states;

    @BeforeEach
    void setUp() {
        store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("stream-state"), Serdes.String(),
                new StreamProgressSerde()).withLoggingDisabled().build();
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
        states = new DecodedStates(store);
    }

    @Test
    void shouldDecodeAnOpenStreamOnceAndWriteEveryChangeThrough() {
        store.put("s1", StreamProgress.requested(1_000));

        StreamProgress first = states.get("s1");
        first.tenant().tenant("acme");
        states.put("s1", first);

        assertThat(states.get("s1")).isSameAs(first);
        assertThat(store.get("s1").tenant().tenant()).as("written through to the store").isEqualTo("acme");
    }

    @Test
    void shouldReadAForgottenStateAgainFromTheStore() {
        store.put("s1", StreamProgress.requested(1_000));
        StreamProgress changed = states.get("s1");
        changed.tenant().tenant("never-written");

        states.forget("s1");

        assertThat(states.get("s1")).isNotSameAs(changed).extracting(p -> p.tenant().tenant()).isNull();
    }

    @Test
    void shouldNotKeepFinishedStreamsDecoded() {
        StreamProgress progress = StreamProgress.requested(1_000);
        progress.lifecycle().end(StreamState.COMPLETED, "stop", null, 2_000_000L, 2_000);
        states.put("s1", progress);

        assertThat(states.get("s1")).isNotSameAs(progress).isNotSameAs(states.get("s1"));
        assertThat(states.get("s1").lifecycle().state()).isEqualTo(StreamState.COMPLETED);
    }

    @Test
    void shouldDeleteFromTheStoreAndMemory() {
        states.put("s1", StreamProgress.requested(1_000));

        states.delete("s1");

        assertThat(states.get("s1")).isNull();
        assertThat(store.get("s1")).isNull();
    }
}
