package dev.tokenstream.events;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A merge group (docs/design.md, "Merge groups"): one start request naming several targets streams from each at once,
 * each as a member stream of its own, and clients read the group's merged stream under the group's id. Every
 * member's {@link StreamRequest} carries the whole group, so the processor knows it from whichever member's
 * request it reads first.
 * <p>
 * Ids: the group's id is a stream id; member {@code i}'s id is {@code <groupId>.m<i>}. Members are keyed by their
 * group's id on the requests, tokens and control topics ({@link #partitionKey}), so a group's events and
 * commands meet in one partition and one Kafka Streams task.
 *
 * @param groupId                 the group's id
 * @param member                  this member's index in {@code targets}; the primary is 0
 * @param mode                    race, fallback or compare
 * @param targets                 every member's provider and model, by index
 * @param firstTokenTimeoutMillis fallback: how long the primary may take to its first token, from the group's
 *                                acceptance, before the group switches to the next target
 */
public record Merge(String groupId, int member, MergeMode mode, List<Target> targets, long firstTokenTimeoutMillis) {

    private static final Pattern MEMBER_ID = Pattern.compile("^(.+)\\.m(\\d+)$");

    public Merge {
        targets = List.copyOf(targets);
    }

    /** @return the id of member {@code index} of group {@code groupId} */
    public static String memberId(String groupId, int index) {
        return groupId + ".m" + index;
    }

    /** @return the group of {@code streamId} when it is a member's id */
    public static Optional<String> groupOf(String streamId) {
        // Every token event asks: a plain stream id is answered without the regex (2.8 % of the processor's samples
        // at 100 streams, JFR 2026-12-07).
        if (!streamId.contains(".m")) {
            return Optional.empty();
        }
        Matcher member = MEMBER_ID.matcher(streamId);
        return member.matches() ? Optional.of(member.group(1)) : Optional.empty();
    }

    /** @return the member index of a member id, or -1 for another stream id */
    public static int memberIndexOf(String streamId) {
        Matcher member = MEMBER_ID.matcher(streamId);
        return member.matches() ? Integer.parseInt(member.group(2)) : -1;
    }

    /** @return the record key for {@code streamId}'s requests, events and commands: its group's id, or itself */
    public static String partitionKey(String streamId) {
        return groupOf(streamId).orElse(streamId);
    }
}
