package dev.tokenstream.processor.streams;

import dev.tokenstream.events.StreamState;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The held states are read as last written; the store gets them at the commit, as written. */
class DecodedStatesTest {

    private WriteBehindStore store;
    private DecodedStates states;

    @BeforeEach
    void setUp() {
        store = (WriteBehindStore) WriteBehindStore.builder(Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore("stream-state"), Serdes.String(), new StreamProgressSerde()))
                .withLoggingDisabled().build();
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
        states = new DecodedStates(store);
    }

    @Test
    void shouldDecodeAnOpenStreamOnceAndWriteItAtTheCommitAsWritten() {
        store.put("s1", StreamProgress.requested(1_000));

        StreamProgress first = states.get("s1");
        first.tenant().tenant("acme");
        states.put("s1", first);
        first.tenant().tenant("changed-after-it-was-written");

        assertThat(states.get("s1")).isSameAs(first);
        assertThat(store.get("s1").tenant().tenant()).as("queries read it as put, before the commit")
                .isEqualTo("acme");
        store.flushCache();
        assertThat(store.staged("s1")).isNull();
        assertThat(store.get("s1").tenant().tenant()).as("written at the commit, as put").isEqualTo("acme");
        assertThat(store.get("s1")).as("read from the store below, decoded").isNotSameAs(store.get("s1"));
    }

    @Test
    void shouldReadAForgottenStateAgainAsLastWritten() {
        store.put("s1", StreamProgress.requested(1_000));
        StreamProgress changed = states.get("s1");
        changed.tenant().tenant("never-written");
        states.forget("s1");
        assertThat(states.get("s1")).isNotSameAs(changed).extracting(p -> p.tenant().tenant()).isNull();

        StreamProgress written = states.get("s1");
        written.tenant().tenant("written");
        states.put("s1", written);
        written.lifecycle().markStarted();
        states.forget("s1");

        StreamProgress again = states.get("s1");
        assertThat(again).as("staged and not yet committed").isNotSameAs(written);
        assertThat(again.tenant().tenant()).isEqualTo("written");
        assertThat(again.lifecycle().started()).as("the change after the write is dropped").isFalse();
    }

    @Test
    void shouldNotKeepFinishedStreamsDecoded() {
        StreamProgress progress = StreamProgress.requested(1_000);
        progress.lifecycle().end(StreamState.COMPLETED, "stop", null, 2_000_000L, 2_000);
        states.put("s1", progress);

        assertThat(states.get("s1")).isNotSameAs(progress).isNotSameAs(states.get("s1"));
        assertThat(states.get("s1").lifecycle().state()).isEqualTo(StreamState.COMPLETED);
        store.flushCache();
        assertThat(states.get("s1").lifecycle().state()).isEqualTo(StreamState.COMPLETED);
    }

    @Test
    void shouldDeleteFromTheStoreAndMemory() {
        states.put("s1", StreamProgress.requested(1_000));
        store.flushCache();
        states.put("s1", StreamProgress.requested(2_000));

        states.delete("s1");
        store.flushCache();

        assertThat(states.get("s1")).isNull();
        assertThat(store.get("s1")).isNull();
    }

    @Test
    void shouldDropStagedStatesWhenTheCacheIsCleared() {
        states.put("s1", StreamProgress.requested(1_000));

        store.clearCache();
        store.flushCache();

        assertThat(store.get("s1")).isNull();
    }

    @Test
    void shouldCopyEveryStoredField() {
        // Every field of format 2 set to something other than its default.
        String stored = """
                {"format":2,"lifecycle":{"state":"FAILED","started":true,"attempt":7,"lastEventSeq":3,\
                "nextDeliverySeq":4,"contentEvents":2,"lastActivityMillis":1700000000000,"finishReason":"error",\
                "error":{"code":"x","message":"y","retryable":true,"providerCode":"z"},\
                "endedAtMicros":1700000001000000},"pause":{"pausedAtMicros":5,"pausedMillis":1.5,\
                "pausedSinceMillis":6,"heldEvents":2},"pending":{"buffering":{"mode":"tokens","size":4},\
                "text":"ab","tokens":2,"lastEmittedAtMicros":8,"firstEmittedAtMicros":7,"sinceMillis":9},\
                "statistics":{"provider":"simulator","model":"sim-fast","acceptedAtMicros":1,\
                "upstreamRequestAtMicros":2,"firstTokenAtMicros":3,"lastTokenAtMicros":4,"tokenCount":2,\
                "itlHistogram":"HISTFAAAACN4nJNpmSzMwMDAzAABTFCaEUQoH3ZjsP8AEdguwAQAVGMEcQ==",\
                "usage":{"inputTokens":5,"outputTokens":2}},"tenant":{"tenant":"acme","tokensSampled":3,\
                "endSampled":true}}""";
        var serde = new StreamProgressSerde();
        StreamProgress progress = serde.deserializer().deserialize("t", stored.getBytes(StandardCharsets.UTF_8));

        byte[] copied = serde.serializer().serialize("t", progress.copy());

        assertThat(new String(copied, StandardCharsets.UTF_8))
                .isEqualTo(new String(serde.serializer().serialize("t", progress), StandardCharsets.UTF_8))
                .contains("\"attempt\":7", "\"heldEvents\":2", "\"text\":\"ab\"", "\"tenant\":\"acme\"");
    }
}
