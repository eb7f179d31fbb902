package dev.tokenstream.simulator.generation;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * What a simulated model answers, before a protocol frames it: optional reasoning, then either text or tool calls.
 * A request that offers tools gets one call of each offered tool (several are parallel calls), with the
 * arguments {@code {"query": <prompt>}} streamed in fragments of {@value #FRAGMENT_CHARS} characters; any other
 * request gets generated text ({@link TextGenerator}).
 *
 * @param reasoning    reasoning tokens (extended thinking), empty unless asked for
 * @param text         answer tokens
 * @param toolCalls    tool calls, empty unless tools were offered
 * @param truncated    whether {@code max_tokens} cut the text
 * @param promptTokens tokens in the prompt
 */
public record SimulatedAnswer(List<String> reasoning, List<String> text, List<ToolCall> toolCalls, boolean truncated,
                              int promptTokens) {

    static final int FRAGMENT_CHARS = 8;
    private static final int MAX_REASONING_TOKENS = 40;

    /**
     * One simulated tool call.
     *
     * @param id        its id
     * @param name      the tool's name
     * @param fragments the JSON arguments, in the pieces they stream in
     */
    public record ToolCall(String id, String name, List<String> fragments) {

        /** @return the whole arguments */
        public String arguments() {
            return String.join("", fragments);
        }
    }

    /**
     * @param prompt         the last user message
     * @param seed           the request's seed, or 0
     * @param maxTokens      the most output tokens
     * @param tools          names of the offered tools
     * @param reasoning      whether to think first
     * @param idPrefix       prefix of tool call ids ({@code call_}, {@code toolu_})
     */
    public static SimulatedAnswer plan(String prompt, long seed, int maxTokens, List<String> tools, boolean reasoning,
                                       String idPrefix) {
        List<String> thinking = reasoning
                ? TextGenerator.generate("reasoning about: " + prompt, seed + 1,
                        Math.min(MAX_REASONING_TOKENS, maxTokens)).tokens()
                : List.of();
        int promptTokens = TextGenerator.countTokens(prompt);
        if (!tools.isEmpty()) {
            String arguments = JsonNodeFactory.instance.objectNode().put("query", prompt).toString();
            List<ToolCall> calls = new ArrayList<>();
            for (int i = 0; i < tools.size(); i++) {
                List<String> fragments = new ArrayList<>();
                for (int at = 0; at < arguments.length(); at += FRAGMENT_CHARS) {
                    fragments.add(arguments.substring(at, Math.min(arguments.length(), at + FRAGMENT_CHARS)));
                }
                calls.add(new ToolCall(idPrefix + "sim" + Math.abs((prompt + i).hashCode()), tools.get(i), fragments));
            }
            return new SimulatedAnswer(thinking, List.of(), calls, false, promptTokens);
        }
        var completion = TextGenerator.generate(prompt, seed, Math.max(1, maxTokens));
        return new SimulatedAnswer(thinking, completion.tokens(), List.of(), "length".equals(completion.finishReason()),
                promptTokens);
    }

    /** @return output tokens: reasoning, text, and the tool calls' arguments as the tokenizer counts them */
    public int outputTokens() {
        int tools = toolCalls.stream().mapToInt(c -> TextGenerator.countTokens(c.arguments())).sum();
        return reasoning.size() + text.size() + tools;
    }
}
