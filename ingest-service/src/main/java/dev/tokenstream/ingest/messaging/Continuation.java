package dev.tokenstream.ingest.messaging;

import dev.tokenstream.events.Usage;

/**
 * The answer a lost ingest instance delivered before it went, read back from the tokens topic, for a new provider
 * call that goes on from it (docs/design.md "Crash and restart").
 *
 * @param text    the answer so far, the assistant's unfinished message of the new call
 * @param tokens  the token events it was delivered in: the lost call's output tokens as far as they are known
 * @param nextSeq the seq after the last event of the stream in the log: the new attempt's started event's, which the
 *                processor accepts only if it is the next one it expects
 */
public record Continuation(String text, long tokens, long nextSeq) {

    /**
     * @param requested the stream's {@code maxTokens}, or null for the provider's default
     * @return the most new tokens to ask for: what is left of {@code requested}, at least 1; null when unset
     */
    public Integer maxTokens(Integer requested) {
        return requested == null ? null : (int) Math.max(1, requested - tokens);
    }

    /**
     * The usage of both calls: the lost call's report never arrived, so its output is the tokens it delivered and
     * its input the new call's less them (the new call's input is the prompt and the answer so far).
     *
     * @param reported the new call's usage, as its provider reported it (null when none yet)
     * @return both calls' usage
     */
    public Usage withLostCall(Usage reported) {
        if (reported == null) {
            return new Usage(null, tokens, null, null);
        }
        Long input = reported.inputTokens() == null ? null
                : reported.inputTokens() + Math.max(0, reported.inputTokens() - tokens);
        long output = tokens + (reported.outputTokens() == null ? 0 : reported.outputTokens());
        return new Usage(input, output, reported.cachedInputTokens(), reported.reasoningTokens());
    }
}
