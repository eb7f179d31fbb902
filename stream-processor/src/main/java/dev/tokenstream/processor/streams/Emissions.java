package dev.tokenstream.processor.streams;

import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.Merge;
import dev.tokenstream.events.ModelSample;
import dev.tokenstream.events.TenantSample;
import dev.tokenstream.events.StreamStats;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * What the transitions of one input (a record or a punctuation) produce, in order: records for the sinks, and the
 * work a merge group hands back to the streams of its members. {@link StreamStateMachine} drains the member work,
 * then forwards the records; nothing in the transitions writes to a sink itself.
 */
final class Emissions {

    /** A record for one of the processor's sinks. */
    sealed interface Emission {
    }

    /** A frame for {@code tokenstream.deliveries}. */
    record Frame(DeliveryFrame frame) implements Emission {
    }

    /** Statistics for {@code tokenstream.stream-stats}. */
    record Stats(StreamStats stats) implements Emission {
    }

    /** A command for {@code tokenstream.control} (read by ingest and by this processor). */
    record Command(ControlCommand command) implements Emission {
    }

    /** A sample for {@code tokenstream.model-samples}, keyed provider/model. */
    record Sample(String key, ModelSample sample) implements Emission {
    }

    /** A sample for {@code tokenstream.tenant-samples}, keyed by tenant. */
    record TenantUse(TenantSample sample) implements Emission {
    }

    /** A frame a merge group member made, for its group, with the member's state after it. */
    record MemberFrame(DeliveryFrame frame, StreamProgress progress) {
    }

    private final List<Emission> records = new ArrayList<>();
    private final Deque<MemberFrame> memberFrames = new ArrayDeque<>();
    private final Deque<ControlCommand> memberCommands = new ArrayDeque<>();

    /**
     * A stream's frame: to the deliveries topic, or to its group when the stream is a merge group's member.
     *
     * @param frame    the frame
     * @param progress the stream's state after it
     */
    void frame(DeliveryFrame frame, StreamProgress progress) {
        if (Merge.groupOf(frame.streamId()).isPresent()) {
            memberFrames.add(new MemberFrame(frame, progress));
        } else {
            records.add(new Frame(frame));
        }
    }

    /**
     * A frame of a merge group's own stream.
     *
     * @param frame the frame, under the group's id
     */
    void groupFrame(DeliveryFrame frame) {
        records.add(new Frame(frame));
    }

    void stats(StreamStats stats) {
        records.add(new Stats(stats));
    }

    void command(ControlCommand command) {
        records.add(new Command(command));
    }

    void sample(String key, ModelSample sample) {
        records.add(new Sample(key, sample));
    }

    void tenantSample(TenantSample sample) {
        records.add(new TenantUse(sample));
    }

    /**
     * A group's command for one of its members, applied to the member's state machine before anything is forwarded.
     *
     * @param command the command, naming the member
     */
    void memberCommand(ControlCommand command) {
        memberCommands.add(command);
    }

    /** @return the next member command, or null when none waits */
    ControlCommand nextMemberCommand() {
        return memberCommands.poll();
    }

    /** @return the next member frame, or null when none waits */
    MemberFrame nextMemberFrame() {
        return memberFrames.poll();
    }

    /** @return the records for the sinks, in the order they were made */
    List<Emission> records() {
        return records;
    }
}
