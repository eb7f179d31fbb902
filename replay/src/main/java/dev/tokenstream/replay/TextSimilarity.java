package dev.tokenstream.replay;

import java.util.Arrays;
import java.util.Locale;

/**
 * How alike two answers are: 2 * (longest common subsequence of words) / (words in both), from 0 (nothing in
 * common) to 1 (the same words in the same order), the ratio Python's {@code difflib.SequenceMatcher} reports
 * for word lists. Case and punctuation around words are ignored.
 */
public final class TextSimilarity {

    private TextSimilarity() {
    }

    /** @return the similarity of {@code a} and {@code b}, 0 to 1; two empty texts are 1 */
    public static double ratio(String a, String b) {
        String[] x = words(a);
        String[] y = words(b);
        if (x.length + y.length == 0) {
            return 1.0;
        }
        int[] previous = new int[y.length + 1];
        int[] current = new int[y.length + 1];
        for (String word : x) {
            for (int j = 1; j <= y.length; j++) {
                current[j] = word.equals(y[j - 1]) ? previous[j - 1] + 1 : Math.max(previous[j], current[j - 1]);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return 2.0 * previous[y.length] / (x.length + y.length);
    }

    private static String[] words(String text) {
        return Arrays.stream(text.toLowerCase(Locale.ROOT).split("\\s+"))
                .map(w -> w.replaceAll("^\\p{Punct}+|\\p{Punct}+$", ""))
                .filter(w -> !w.isEmpty())
                .toArray(String[]::new);
    }
}
