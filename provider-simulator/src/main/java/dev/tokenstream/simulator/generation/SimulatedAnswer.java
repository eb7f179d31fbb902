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

    /**
     * The rest of an answer after a partial one: what a model asked to continue it sends (Anthropic's assistant
     * prefill, vLLM's {@code continue_final_message}). When {@code prefix} is the start of the answer to
     * {@code prompt} and {@code seed} at a token boundary, that answer's following tokens, so the prefix and the
     * continuation make the undisturbed answer; any other prefix is continued from the answer's token at its
     * length in characters. No reasoning, no tool call.
     *
     * @param prefix    the partial answer, the conversation's final assistant message
     * @param maxTokens the most tokens to continue with, as the request asks ({@code max_tokens} counts new tokens)
     * @return the continuation; its prompt tokens count the prefix too
     */
    public static SimulatedAnswer continuation(String prompt, long seed, String prefix, int maxTokens) {
        int prefixTokens = TextGenerator.countTokens(prefix);
        // Room for the prefix however it was split into tokens, and one more to tell whether max_tokens cut it.
        var whole = TextGenerator.generate(prompt, seed, Math.max(1, maxTokens) + 2 * prefixTokens + 1);
        int from = 0;
        for (int length = 0; from < whole.tokens().size() && length < prefix.length(); from++) {
            length += whole.tokens().get(from).length();
        }
        int to = Math.min(whole.tokens().size(), from + Math.max(1, maxTokens));
        boolean truncated = whole.tokens().size() > to || "length".equals(whole.finishReason()) && to == whole.tokens()
                .size();
        return new SimulatedAnswer(List.of(), List.copyOf(whole.tokens().subList(from, to)), List.of(), truncated,
                TextGenerator.countTokens(prompt) + prefixTokens);
    }

    /** @return output tokens: reasoning, text, and the tool calls' arguments as the tokenizer counts them */
    public int outputTokens() {
        int tools = toolCalls.stream().mapToInt(c -> TextGenerator.countTokens(c.arguments())).sum();
        return reasoning.size() + text.size() + tools;
    }
}
