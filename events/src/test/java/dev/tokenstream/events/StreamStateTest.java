package dev.tokenstream.events;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StreamStateTest {

    @Test
    void shouldAllowPauseOnlyBeforeOrWhileTokensFlow() {
        assertThat(StreamState.values()).filteredOn(state -> state.allows(ControlAction.PAUSE))
                .containsExactly(StreamState.REQUESTED, StreamState.STARTED);
    }

    @Test
    void shouldAllowResumeOnlyWhenPaused() {
        assertThat(StreamState.values()).filteredOn(state -> state.allows(ControlAction.RESUME))
                .containsExactly(StreamState.PAUSED);
    }

    @Test
    void shouldAllowCancelUntilTheStreamEnds() {
        assertThat(StreamState.values()).filteredOn(state -> state.allows(ControlAction.CANCEL))
                .containsExactly(StreamState.REQUESTED, StreamState.STARTED, StreamState.PAUSED);
    }

    @Test
    void shouldResumeToTheStateBeforeThePause() {
        assertThat(StreamState.PAUSED.after(ControlAction.RESUME, true)).isEqualTo(StreamState.STARTED);
        assertThat(StreamState.PAUSED.after(ControlAction.RESUME, false)).isEqualTo(StreamState.REQUESTED);
        assertThat(StreamState.STARTED.after(ControlAction.PAUSE, true)).isEqualTo(StreamState.PAUSED);
        assertThat(StreamState.PAUSED.after(ControlAction.CANCEL, true)).isEqualTo(StreamState.CANCELLED);
    }

    @Test
    void shouldRefuseACommandThatDoesNotApply() {
        assertThatThrownBy(() -> StreamState.COMPLETED.after(ControlAction.CANCEL, true))
                .isInstanceOf(IllegalStateException.class).hasMessage("CANCEL does not apply in state COMPLETED");
    }
}
