package dev.tokenstream.simulator.generation;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Deterministic answer text for the simulator, split into real tokens with jtokkit's {@code cl100k_base}
 * encoding, so token counts are true counts. The same prompt and seed always give the same tokens. A prompt
 * about a haiku gets a haiku; one that asks for something long ("long", "story", "essay", "detail") gets 400 to
 * 700 tokens; one that asks for an "endless" answer gets prose until {@code max_tokens} cuts it (the benchmark's
 * streams of an exact length); any other gets 60 to 180. {@code max_tokens} cuts the answer, with finish reason
 * {@code length}.
 */
public final class TextGenerator {

    private static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);

    private static final String[] SENTENCES = {
        "Kafka keeps every token in an ordered, replayable log.",
        "A stream is keyed by its id, so its tokens stay in one partition and in order.",
        "Backpressure matters when a client reads slower than the model writes.",
        "Time to first token is what a user feels first; inter-token latency is what they feel next.",
        "Pausing a stream holds its tokens in a changelogged store while the model keeps generating.",
        "Resuming flushes the held tokens in order and then goes on live.",
        "Cancelling closes the upstream connection, so the provider stops generating and billing.",
        "A consumer group shares the partitions of a topic among its members.",
        "Exactly-once delivery to a client comes from at-least-once delivery plus deduplication by sequence number.",
        "A compacted topic keeps the latest value of every key and forgets the rest.",
        "Reconnecting with the last sequence number seen resumes a stream without losing or repeating a token.",
        "Streaming turns a long wait into a steady trickle of words.",
        "The broker does not care whether a record holds a word, a number or a whole novel.",
        "Good systems say clearly what went wrong and lose nothing while saying it.",
    };

    private static final String[] HAIKU = {
        "Tokens drift like snow", "Ordered logs remember all", "Partitions hum low",
        "Offsets mark the way", "Each word waits in its own place", "Consumers read on",
        "Brokers never sleep", "A stream paused, then flowing on", "Nothing lost, nothing twice",
    };

    /** Words in a prompt that ask for a long answer (400 to 700 tokens instead of 60 to 180). */
    private static final List<String> LONG_HINTS = List.of("long", "story", "essay", "detail");
    private static final int MAX_ENDLESS_TOKENS = 100_000;

    private TextGenerator() {
    }

    /**
     * @param prompt    the user's prompt; it picks the text together with the seed
     * @param seed      the request's seed, or 0
     * @param maxTokens the most tokens to return
     * @return the tokens, each decoded to its text, and whether {@code maxTokens} cut the text
     */
    public static Completion generate(String prompt, long seed, int maxTokens) {
        var random = new Random(31L * seed + prompt.hashCode());
        String lower = prompt.toLowerCase(Locale.ROOT);
        String text;
        if (lower.contains("haiku")) {
            text = haiku(random);
        } else if (lower.contains("endless")) {
            text = endless(random, maxTokens);
        } else if (LONG_HINTS.stream().anyMatch(lower::contains)) {
            text = prose(random, 400 + random.nextInt(300));
        } else {
            text = prose(random, 60 + random.nextInt(120));
        }
        IntArrayList ids = ENCODING.encode(text);
        boolean truncated = ids.size() > maxTokens;
        int count = Math.min(ids.size(), maxTokens);
        List<String> tokens = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            var one = new IntArrayList(1);
            one.add(ids.get(i));
            tokens.add(ENCODING.decode(one));
        }
        return new Completion(tokens, truncated ? "length" : "stop");
    }

    /** @return the number of {@code cl100k_base} tokens in {@code text}. */
    public static int countTokens(String text) {
        return ENCODING.countTokens(text);
    }

    private static String haiku(Random random) {
        int start = random.nextInt(HAIKU.length / 3) * 3;
        return HAIKU[start] + "\n" + HAIKU[start + 1] + "\n" + HAIKU[start + 2];
    }

    private static String prose(Random random, int target) {
        var text = new StringBuilder();
        while (ENCODING.countTokens(text.toString()) < target) {
            if (!text.isEmpty()) {
                text.append(' ');
            }
            text.append(SENTENCES[random.nextInt(SENTENCES.length)]);
        }
        return text.toString();
    }

    /**
     * Prose at least {@code maxTokens} long (at most {@value #MAX_ENDLESS_TOKENS}): sentences' counts added up, so
     * a long answer is made in linear time (sentences begin with a space, so their tokens do not merge).
     */
    private static String endless(Random random, int maxTokens) {
        int target = Math.min(maxTokens, MAX_ENDLESS_TOKENS) + 1;
        var text = new StringBuilder();
        for (int count = 0; count < target; ) {
            String sentence = (text.isEmpty() ? "" : " ") + SENTENCES[random.nextInt(SENTENCES.length)];
            text.append(sentence);
            count += ENCODING.countTokens(sentence);
        }
        return text.toString();
    }

    /**
     * A generated answer.
     *
     * @param tokens       the answer, one string per token
     * @param finishReason {@code stop}, or {@code length} when max_tokens cut it
     */
    public record Completion(List<String> tokens, String finishReason) {

        /** @return the whole answer text. */
        public String text() {
            return String.join("", tokens);
        }
    }
}
