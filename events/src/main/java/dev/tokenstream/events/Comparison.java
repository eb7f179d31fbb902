package dev.tokenstream.events;

import java.util.List;

/**
 * The last frame but one of a compare group: each member's result side by side.
 *
 * @param members one entry per target, by index
 */
public record Comparison(List<MemberResult> members) {

    public Comparison {
        members = List.copyOf(members);
    }

    /**
     * One member's result. Times in milliseconds on ingest's clock, as in {@link StreamStats}.
     *
     * @param member          the member's index
     * @param provider        its provider
     * @param model           its model
     * @param state           how it ended
     * @param ttftMillis      time to first token from the group's acceptance
     * @param itlP50Millis    inter-token latency, median
     * @param itlP95Millis    inter-token latency, 95th percentile
     * @param tokensPerSecond decode rate
     * @param outputTokens    output tokens counted
     * @param durationMillis  acceptance to end
     * @param finishReason    the provider's finish reason
     * @param usage           usage the provider reported
     * @param similarity      similarity of its text to member 0's, 0 to 1 (word-sequence ratio, as the replay
     *                        tool's compare); 1 for member 0
     */
    public record MemberResult(int member, String provider, String model, StreamState state, Double ttftMillis,
                               Double itlP50Millis, Double itlP95Millis, Double tokensPerSecond, long outputTokens,
                               Double durationMillis, String finishReason, Usage usage, double similarity) {
    }
}
