package dev.tokenstream.processor.streams;

import dev.tokenstream.events.Comparison;
import dev.tokenstream.events.ControlAction;
import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.ErrorInfo;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.Merge;
import dev.tokenstream.events.MergeMode;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.StreamStats;
import dev.tokenstream.events.Target;
import dev.tokenstream.replay.TextSimilarity;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Merge groups (docs/design.md, "Merge groups"): turns the frames of a group's member streams, made by the per-stream
 * state machine, into the group's one stream of frames under the group's id.
 * <ul>
 *   <li>{@code race}: the first member to deliver content (a token, reasoning or a tool call) wins; the others
 *   are cancelled at once (cancel commands on the control topic, so ingest closes their upstream calls).</li>
 *   <li>{@code fallback}: the primary (target 0) is delivered if it delivers content before it ends and within
 *   the group's first-token timeout from acceptance; otherwise the group switches to the next target, whose frames
 *   were held meanwhile, and so on; the others are cancelled once decided.</li>
 *   <li>{@code compare}: every member's content, each frame tagged with its member; when all have ended, a
 *   comparison frame (each member's statistics, and its text's similarity to member 0's), then the group's end.</li>
 * </ul>
 * The group's frames carry the group's own delivery seq; a decided race or fallback tags its frames with the
 * winner. Pause, resume and cancel of the group apply to every member that has not ended. Members are keyed by
 * the group's id on every input topic ({@link Merge#partitionKey}), so all of this happens in one task.
 */
final class MergeGroups {

    private static final Logger LOG = Logger.getLogger(MergeGroups.class);

    private final KeyValueStore<String, GroupProgress> store;
    /** The processor's wall clock, epoch microseconds. */
    private final LongSupplier nowMicros;
    /** Undecided fallback groups, checked for the primary's first-token timeout; rebuilt by their next frame. */
    private final Set<String> waitingForPrimary = new LinkedHashSet<>();

    MergeGroups(KeyValueStore<String, GroupProgress> store, LongSupplier nowMicros) {
        this.store = store;
        this.nowMicros = nowMicros;
    }

    /** @return whether {@code streamId} names a merge group this task knows */
    boolean isGroup(String streamId) {
        return store.get(streamId) != null;
    }

    /**
     * Learns a group from one of its members' requests (the first one read; later ones change nothing) and
     * handles the member frames that came before.
     *
     * @param tenant         the members' tenant
     * @param memberProgress a member's current state, by member id
     */
    void register(Merge merge, long acceptedAtMicros, String tenant, Function<String, StreamProgress> memberProgress,
                  Emissions out) {
        GroupProgress group = load(merge.groupId());
        if (group.registered) {
            return;
        }
        group.registered = true;
        group.mode = merge.mode();
        group.targets = merge.targets();
        group.firstTokenTimeoutMillis = merge.firstTokenTimeoutMillis();
        group.acceptedAtMicros = acceptedAtMicros;
        group.tenant = tenant;
        for (int i = group.members.size(); i < merge.targets().size(); i++) {
            group.members.add(new GroupProgress.Member());
        }
        if (group.mode == MergeMode.FALLBACK) {
            waitingForPrimary.add(merge.groupId());
        }
        List<DeliveryFrame> early = group.early;
        group.early = new ArrayList<>();
        for (DeliveryFrame frame : early) {
            apply(merge.groupId(), group, frame, memberProgress.apply(frame.streamId()), out);
        }
        store.put(merge.groupId(), group);
        LOG.infof("group %s: %s of %s", merge.groupId(), merge.mode().wireName(), merge.targets());
    }

    /**
     * Takes one frame a member's state machine made.
     *
     * @param progress the member's state after the frame (its statistics at its end)
     */
    void onMemberFrame(DeliveryFrame frame, StreamProgress progress, Emissions out) {
        String groupId = Merge.groupOf(frame.streamId()).orElseThrow();
        GroupProgress group = load(groupId);
        if (!group.registered) {
            group.early.add(frame);
        } else {
            apply(groupId, group, frame, progress, out);
        }
        store.put(groupId, group);
    }

    private void apply(String groupId, GroupProgress group, DeliveryFrame frame, StreamProgress progress,
                       Emissions out) {
        int index = Merge.memberIndexOf(frame.streamId());
        if (group.state.isTerminal() || index < 0 || index >= group.members.size()) {
            return;
        }
        GroupProgress.Member member = group.members.get(index);
        switch (frame.type()) {
            case STARTED -> {
                if (!group.started) {
                    group.started = true;
                    if (group.state == StreamState.REQUESTED) {
                        group.state = StreamState.STARTED;
                    }
                    out.groupFrame(DeliveryFrame.of(FrameType.STARTED, groupId, group.nextDeliverySeq(),
                            nowMicros.getAsLong()));
                    publishStats(groupId, group, out);
                }
            }
            case TOKEN, REASONING, TOOL_CALL -> onContent(groupId, group, index, member, frame, out);
            case COMPLETED, FAILED, CANCELLED -> onMemberEnd(groupId, group, index, member, frame, progress, out);
            default -> {
                // A member's own paused and resumed frames: the group reports its own.
            }
        }
    }

    private void onContent(String groupId, GroupProgress group, int index, GroupProgress.Member member,
                           DeliveryFrame frame, Emissions out) {
        member.content = true;
        switch (group.mode) {
            case COMPARE -> {
                if (frame.type() == FrameType.TOKEN && frame.text() != null) {
                    member.text += frame.text();
                }
                deliver(groupId, group, frame, index, out);
            }
            case RACE -> {
                if (!group.decided()) {
                    decide(groupId, group, index, "first content", out);
                }
                if (group.winner == index) {
                    deliver(groupId, group, frame, index, out);
                }
            }
            case FALLBACK -> {
                if (group.decided()) {
                    if (group.winner == index) {
                        deliver(groupId, group, frame, index, out);
                    }
                } else if (index == group.candidate) {
                    decide(groupId, group, index, index == 0 ? "the primary delivered in time" : "next target",
                            out);
                    deliver(groupId, group, frame, index, out);
                } else if (index > group.candidate) {
                    member.held.add(frame);
                }
            }
            default -> throw new IllegalStateException("unknown merge mode " + group.mode);
        }
    }

    private void onMemberEnd(String groupId, GroupProgress group, int index, GroupProgress.Member member,
                             DeliveryFrame frame, StreamProgress progress, Emissions out) {
        member.ended = true;
        member.error = frame.error();
        member.finalStats = StreamStatistics.of(frame.streamId(), progress, nowMicros.getAsLong());
        member.held.clear();
        if (group.mode == MergeMode.COMPARE) {
            if (group.members.stream().allMatch(m -> m.ended)) {
                out.groupFrame(DeliveryFrame.comparison(groupId, group.nextDeliverySeq(), comparison(group),
                        nowMicros.getAsLong()));
                boolean anyCompleted = group.members.stream()
                        .anyMatch(m -> m.finalStats.state() == StreamState.COMPLETED);
                end(groupId, group, anyCompleted ? FrameType.COMPLETED : FrameType.FAILED, null,
                        anyCompleted ? null : member.error, null, out);
            }
            return;
        }
        if (group.decided()) {
            if (group.winner == index) {
                end(groupId, group, frame.type(), frame.finishReason(), frame.error(), index, out);
            }
            return;
        }
        if (group.mode == MergeMode.FALLBACK && index == group.candidate) {
            LOG.infof("group %s: target %d ended before its first token; falling back", groupId, index);
            advanceCandidate(groupId, group, out);
        }
        if (!group.decided() && group.members.stream().allMatch(m -> m.ended)) {
            ErrorInfo error = member.error != null ? member.error
                    : new ErrorInfo("upstream_error", "every target of the group ended without content", false);
            end(groupId, group, FrameType.FAILED, null, error, null, out);
        }
    }

    /** Fallback: the next member that has not ended becomes the candidate; held content of its decides. */
    private void advanceCandidate(String groupId, GroupProgress group, Emissions out) {
        int next = group.candidate + 1;
        while (next < group.members.size() && group.members.get(next).ended) {
            next++;
        }
        group.candidate = next;
        if (next >= group.members.size()) {
            return;
        }
        GroupProgress.Member candidate = group.members.get(next);
        if (!candidate.held.isEmpty()) {
            List<DeliveryFrame> held = candidate.held;
            candidate.held = new ArrayList<>();
            decide(groupId, group, next, "next target", out);
            for (DeliveryFrame frame : held) {
                deliver(groupId, group, frame, next, out);
            }
        }
    }

    /** The group delivers {@code index} from now on; every other member that has not ended is cancelled. */
    private void decide(String groupId, GroupProgress group, int index, String why, Emissions out) {
        group.winner = index;
        waitingForPrimary.remove(groupId);
        for (int i = 0; i < group.members.size(); i++) {
            GroupProgress.Member other = group.members.get(i);
            other.held.clear();
            if (i != index) {
                cancel(groupId, i, other, out);
            }
        }
        Target target = group.targets.get(index);
        LOG.infof("group %s: %s decided for target %d (%s/%s): %s", groupId, group.mode.wireName(), index,
                target.provider(), target.model(), why);
        publishStats(groupId, group, out);
    }

    private void cancel(String groupId, int index, GroupProgress.Member member, Emissions out) {
        if (!member.ended && !member.cancelRequested) {
            member.cancelRequested = true;
            String memberId = Merge.memberId(groupId, index);
            out.command(new ControlCommand("merge-" + memberId, memberId, ControlAction.CANCEL,
                    nowMicros.getAsLong()));
        }
    }

    /** Fallback groups whose primary is past its first-token timeout switch to the next target. */
    void checkFirstTokenTimeouts(Emissions out) {
        long now = nowMicros.getAsLong();
        for (var it = waitingForPrimary.iterator(); it.hasNext();) {
            String groupId = it.next();
            GroupProgress group = store.get(groupId);
            if (group == null || group.decided() || group.state.isTerminal() || group.candidate != 0) {
                it.remove();
                continue;
            }
            if (group.state != StreamState.PAUSED
                    && now - group.acceptedAtMicros > group.firstTokenTimeoutMillis * 1000) {
                LOG.infof("group %s: the primary has no token after %d ms; falling back", groupId,
                        group.firstTokenTimeoutMillis);
                it.remove();
                cancel(groupId, 0, group.members.get(0), out);
                advanceCandidate(groupId, group, out);
                store.put(groupId, group);
            }
        }
    }

    /**
     * Applies a command on the group: to every member that has not ended, then the group's own frame.
     *
     * @return false when the command does not fit the group's state (it is rejected, like a stream's)
     */
    boolean onCommand(String groupId, ControlCommand command, Emissions out) {
        GroupProgress group = store.get(groupId);
        if (!group.state.allows(command.action())) {
            LOG.infof("group %s: %s rejected in state %s (command %s)", groupId, command.action(), group.state,
                    command.commandId());
            return false;
        }
        FrameType type = switch (command.action()) {
            case PAUSE -> FrameType.PAUSED;
            case RESUME -> FrameType.RESUMED;
            case CANCEL -> FrameType.CANCELLED;
        };
        if (command.action() == ControlAction.CANCEL) {
            end(groupId, group, type, "cancelled", null, group.winner, out);
        } else {
            group.state = group.state.after(command.action(), group.started);
            out.groupFrame(DeliveryFrame.of(type, groupId, group.nextDeliverySeq(), nowMicros.getAsLong()));
            publishStats(groupId, group, out);
        }
        store.put(groupId, group);
        for (int i = 0; i < group.members.size(); i++) {
            if (!group.members.get(i).ended) {
                String memberId = Merge.memberId(groupId, i);
                out.memberCommand(new ControlCommand(command.commandId() + "/" + i, memberId, command.action(),
                        command.issuedAtMicros()));
            }
        }
        return true;
    }

    /** Drops the state of groups that ended more than {@code retainMillis} ago. */
    void expire(long nowMillis, long retainMillis) {
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, GroupProgress> all = store.all()) {
            all.forEachRemaining(kv -> {
                if (kv.value.state.isTerminal() && nowMillis - kv.value.endedAtMillis > retainMillis) {
                    expired.add(kv.key);
                }
            });
        }
        expired.forEach(store::delete);
    }

    private void deliver(String groupId, GroupProgress group, DeliveryFrame frame, int member, Emissions out) {
        out.groupFrame(frame.inGroup(groupId, group.nextDeliverySeq(), member));
    }

    private void end(String groupId, GroupProgress group, FrameType type, String finishReason, ErrorInfo error,
                     Integer member, Emissions out) {
        group.state = switch (type) {
            case COMPLETED -> StreamState.COMPLETED;
            case FAILED -> StreamState.FAILED;
            default -> StreamState.CANCELLED;
        };
        group.endedAtMillis = nowMicros.getAsLong() / 1000;
        waitingForPrimary.remove(groupId);
        StreamStats winner = member == null ? null : group.members.get(member).finalStats;
        out.groupFrame(new DeliveryFrame(type, groupId, group.nextDeliverySeq(), null, nowMicros.getAsLong(),
                finishReason, winner == null ? null : winner.usage(), error, null, null, member, null));
        publishStats(groupId, group, out);
        LOG.infof("group %s %s", groupId, group.state.name().toLowerCase(Locale.ROOT));
    }

    private void publishStats(String groupId, GroupProgress group, Emissions out) {
        out.stats(stats(groupId, group, nowMicros.getAsLong()));
    }

    /** @return the group's statistics: its own state, and the winner's figures once decided */
    static StreamStats stats(String groupId, GroupProgress group, long nowMicros) {
        StreamStats w = group.winner == null ? null : group.members.get(group.winner).finalStats;
        Target target = group.winner == null ? null : group.targets.get(group.winner);
        return new StreamStats(groupId, group.state, target == null ? null : target.provider(),
                target == null ? null : target.model(), group.acceptedAtMicros, w == null ? null : w.ttftMillis(),
                w == null ? null : w.upstreamTtftMillis(), w == null ? null : w.itlP50Millis(),
                w == null ? null : w.itlP95Millis(), w == null ? null : w.itlMaxMillis(),
                w == null ? null : w.tokensPerSecond(), w == null ? 0 : w.outputTokens(), w == null ? null : w.usage(),
                w == null ? null : w.durationMillis(), w == null ? 0 : w.pausedMillis(),
                w == null ? null : w.finishReason(), w == null ? null : w.error(), nowMicros, group.tenant);
    }

    private static Comparison comparison(GroupProgress group) {
        List<Comparison.MemberResult> results = new ArrayList<>();
        String primary = group.members.get(0).text;
        for (int i = 0; i < group.members.size(); i++) {
            GroupProgress.Member member = group.members.get(i);
            StreamStats stats = member.finalStats;
            Target target = group.targets.get(i);
            results.add(new Comparison.MemberResult(i, target.provider(), target.model(), stats.state(),
                    stats.ttftMillis(), stats.itlP50Millis(), stats.itlP95Millis(), stats.tokensPerSecond(),
                    stats.outputTokens(), stats.durationMillis(), stats.finishReason(), stats.usage(),
                    i == 0 ? 1.0 : TextSimilarity.ratio(primary, member.text)));
        }
        return new Comparison(results);
    }

    private GroupProgress load(String groupId) {
        GroupProgress group = store.get(groupId);
        return group != null ? group : new GroupProgress();
    }
}
