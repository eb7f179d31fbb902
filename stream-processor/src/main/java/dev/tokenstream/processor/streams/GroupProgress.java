package dev.tokenstream.processor.streams;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
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
 * {@link MergeGroups} alone changes it. The stored JSON names are set by annotation, so renaming a Java field
 * changes nothing stored; the value carries a {@code format} ({@link #FORMAT}, read by {@link GroupProgressSerde}).
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.NONE,
        getterVisibility = JsonAutoDetect.Visibility.NONE, isGetterVisibility = JsonAutoDetect.Visibility.NONE)
@JsonPropertyOrder({"format"})
public final class GroupProgress {

    /** The stored format this build writes. 1: the same names, no {@code format} (up to 2026-12-02); 2: these. */
    public static final int FORMAT = 2;

    @JsonProperty(value = "format", access = JsonProperty.Access.READ_ONLY)
    private final int format = FORMAT;

    /** False until a member's request told the group its mode and targets; frames wait in {@link #early}. */
    @JsonProperty("registered")
    boolean registered;
    @JsonProperty("mode")
    MergeMode mode;
    @JsonProperty("targets")
    List<Target> targets = List.of();
    @JsonProperty("firstTokenTimeoutMillis")
    long firstTokenTimeoutMillis;
    @JsonProperty("acceptedAtMicros")
    long acceptedAtMicros;
    /** The members' requests' tenant. */
    @JsonProperty("tenant")
    String tenant;
    @JsonProperty("state")
    StreamState state = StreamState.REQUESTED;
    /** Whether the group's started frame went out (with its first member's). */
    @JsonProperty("started")
    boolean started;
    @JsonProperty("nextDeliverySeq")
    long nextDeliverySeq;
    /** Race and fallback: the member whose frames the group delivers, once decided. */
    @JsonProperty("winner")
    Integer winner;
    /** Fallback: the member the group waits for while undecided (0, the primary, first). */
    @JsonProperty("candidate")
    int candidate;
    @JsonProperty("members")
    List<Member> members = new ArrayList<>();
    /** Member frames that came before the group was registered, in order. */
    @JsonProperty("early")
    List<DeliveryFrame> early = new ArrayList<>();
    /** The processor's wall clock at the group's end, epoch milliseconds (for the retention sweep). */
    @JsonProperty("endedAtMillis")
    long endedAtMillis;

    long nextDeliverySeq() {
        return nextDeliverySeq++;
    }

    boolean decided() {
        return winner != null;
    }

    /** One member as the group sees it. */
    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.NONE,
            getterVisibility = JsonAutoDetect.Visibility.NONE, isGetterVisibility = JsonAutoDetect.Visibility.NONE)
    static final class Member {
        @JsonProperty("content")
        boolean content;
        @JsonProperty("ended")
        boolean ended;
        /** The group asked for this member's cancel (lost a race, passed over by a fallback). */
        @JsonProperty("cancelRequested")
        boolean cancelRequested;
        /** Fallback: content frames held while another member is the candidate. */
        @JsonProperty("held")
        List<DeliveryFrame> held = new ArrayList<>();
        /** Compare: the member's answer text, for the similarity score. */
        @JsonProperty("text")
        String text = "";
        @JsonProperty("finalStats")
        StreamStats finalStats;
        @JsonProperty("error")
        ErrorInfo error;
    }
}
