package dev.tokenstream.processor.streams;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.ErrorInfo;
import dev.tokenstream.events.MergeMode;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.StreamStats;
import dev.tokenstream.events.Target;

import java.util.ArrayList;
import java.util.List;

/**
 * What the processor keeps of one merge group in the {@link StreamTopology#GROUP_STORE} (changelogged): its
 * members as the group sees them, its own state and delivery seq, and the decision of a race or a fallback.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY,
        getterVisibility = JsonAutoDetect.Visibility.NONE, isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class GroupProgress {

    /** False until a member's request told the group its mode and targets; frames wait in {@link #early}. */
    boolean registered;
    MergeMode mode;
    List<Target> targets = List.of();
    long firstTokenTimeoutMillis;
    long acceptedAtMicros;
    /** The members' requests' tenant. */
    String tenant;
    StreamState state = StreamState.REQUESTED;
    /** Whether the group's started frame went out (with its first member's). */
    boolean started;
    long nextDeliverySeq;
    /** Race and fallback: the member whose frames the group delivers, once decided. */
    Integer winner;
    /** Fallback: the member the group waits for while undecided (0, the primary, first). */
    int candidate;
    List<Member> members = new ArrayList<>();
    /** Member frames that came before the group was registered, in order. */
    List<DeliveryFrame> early = new ArrayList<>();
    /** The processor's wall clock at the group's end, epoch milliseconds (for the retention sweep). */
    long endedAtMillis;

    long nextDeliverySeq() {
        return nextDeliverySeq++;
    }

    boolean decided() {
        return winner != null;
    }

    /** One member as the group sees it. */
    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY,
            getterVisibility = JsonAutoDetect.Visibility.NONE, isGetterVisibility = JsonAutoDetect.Visibility.NONE)
    static final class Member {
        boolean content;
        boolean ended;
        /** The group asked for this member's cancel (lost a race, passed over by a fallback). */
        boolean cancelRequested;
        /** Fallback: content frames held while another member is the candidate. */
        List<DeliveryFrame> held = new ArrayList<>();
        /** Compare: the member's answer text, for the similarity score. */
        String text = "";
        StreamStats finalStats;
        ErrorInfo error;
    }
}
