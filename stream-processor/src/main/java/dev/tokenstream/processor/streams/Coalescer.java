package dev.tokenstream.processor.streams;

import dev.tokenstream.events.Buffering;

/**
 * When a stream's pending text goes out as one token frame: one policy per {@link Buffering.Mode}. Pause, cancel,
 * reasoning, tool calls and the stream's end flush what waits whatever the policy ({@link StreamTransitions}).
 */
sealed interface Coalescer {

    /**
     * Whether what waits goes out before {@code text} joins it.
     *
     * @param text          the new token's text, never null
     * @param pendingTokens tokens waiting
     * @return true to flush first
     */
    default boolean flushBefore(String text, int pendingTokens) {
        return false;
    }

    /**
     * Whether what waits, {@code text} included, goes out now.
     *
     * @param text          the token just added, never null
     * @param pendingText   all text waiting, {@code text} included
     * @param pendingTokens tokens waiting, {@code text}'s included
     * @param endOfRecord   whether {@code text} is the last token of its record: ingest sends the tokens that queued
     *                      behind a record in flight as one record
     * @return true to flush
     */
    boolean flushAfter(String text, String pendingText, int pendingTokens, boolean endOfRecord);

    /**
     * Whether the pending text goes out by the wall clock (window mode) rather than by what arrives.
     *
     * @return the window in milliseconds, or 0 when the policy is not a window
     */
    default long windowMillis() {
        return 0;
    }

    /**
     * The policy of a stream's buffering.
     *
     * @param buffering the request's buffering, or the processor's default
     * @return its coalescer
     */
    static Coalescer of(Buffering buffering) {
        int size = buffering.size() == null ? 1 : buffering.size();
        return switch (buffering.mode()) {
            case NONE -> new EachToken();
            case TOKENS -> new TokenCount(size);
            case CHARACTERS -> new CharacterCount(size);
            case WORDS -> new Words();
            case SENTENCES -> new Sentences();
            case WINDOW -> new Window(size);
        };
    }

    /**
     * A frame per token record: one provider token when the pipeline keeps up, the tokens that queued in ingest
     * behind the stream's record in flight when it does not (no delay added, fewer frames under load).
     */
    record EachToken() implements Coalescer {
        @Override
        public boolean flushAfter(String text, String pendingText, int pendingTokens, boolean endOfRecord) {
            return endOfRecord;
        }
    }

    /** A frame per {@code size} tokens. */
    record TokenCount(int size) implements Coalescer {
        @Override
        public boolean flushAfter(String text, String pendingText, int pendingTokens, boolean endOfRecord) {
            return pendingTokens >= size;
        }
    }

    /** A frame once at least {@code size} characters wait. */
    record CharacterCount(int size) implements Coalescer {
        @Override
        public boolean flushAfter(String text, String pendingText, int pendingTokens, boolean endOfRecord) {
            return pendingText.length() >= size;
        }
    }

    /** A frame per word: out when a token ends with white space, or before one that starts with it. */
    record Words() implements Coalescer {
        @Override
        public boolean flushBefore(String text, int pendingTokens) {
            return pendingTokens > 0 && !text.isEmpty() && Character.isWhitespace(text.charAt(0));
        }

        @Override
        public boolean flushAfter(String text, String pendingText, int pendingTokens, boolean endOfRecord) {
            return !text.isEmpty() && Character.isWhitespace(text.charAt(text.length() - 1));
        }
    }

    /** A frame per sentence: out after a token with a line break or ending in {@code .}, {@code !} or {@code ?}. */
    record Sentences() implements Coalescer {
        @Override
        public boolean flushAfter(String text, String pendingText, int pendingTokens, boolean endOfRecord) {
            String trimmed = text.stripTrailing();
            return text.indexOf('\n') >= 0
                    || (!trimmed.isEmpty() && ".!?".indexOf(trimmed.charAt(trimmed.length() - 1)) >= 0);
        }
    }

    /** A frame per time window of {@code millis}, flushed by the processor's wall-clock tick. */
    record Window(long millis) implements Coalescer {
        @Override
        public boolean flushAfter(String text, String pendingText, int pendingTokens, boolean endOfRecord) {
            return false;
        }

        @Override
        public long windowMillis() {
            return millis;
        }
    }
}
