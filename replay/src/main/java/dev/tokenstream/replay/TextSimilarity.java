package dev.tokenstream.replay;

import com.github.difflib.DiffUtils;
import com.github.difflib.patch.DeltaType;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How alike two answers are, word by word: 2 * (words the two keep in common, in order) / (words in both), from 0
 * (nothing in common) to 1 (the same words in the same order). The words in common are the unchanged runs of a
 * minimal word diff (java-diff-utils' Myers algorithm), which form a longest common subsequence. Case and
 * punctuation around words are ignored.
 */
public final class TextSimilarity {

    private TextSimilarity() {
    }

    /**
     * The similarity of two texts.
     *
     * @param a one text
     * @param b the other
     * @return 0 to 1; two empty texts are 1
     */
    public static double ratio(String a, String b) {
        List<String> x = words(a);
        List<String> y = words(b);
        if (x.size() + y.size() == 0) {
            return 1.0;
        }
        int common = DiffUtils.diff(x, y, true).getDeltas().stream()
                .filter(delta -> delta.getType() == DeltaType.EQUAL)
                .mapToInt(delta -> delta.getSource().size())
                .sum();
        return 2.0 * common / (x.size() + y.size());
    }

    private static List<String> words(String text) {
        return Arrays.stream(text.toLowerCase(Locale.ROOT).split("\\s+"))
                .map(w -> w.replaceAll("^\\p{Punct}+|\\p{Punct}+$", ""))
                .filter(w -> !w.isEmpty())
                .toList();
    }
}
