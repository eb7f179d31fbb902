package dev.tokenstream.events;

import java.util.List;

/**
 * Sampling parameters and tools passed to the provider. Every field is optional; null means the provider's default.
 *
 * @param maxTokens             the most output tokens to generate (Anthropic requires a value: 1024 when null)
 * @param temperature           sampling temperature, 0 to 2
 * @param seed                  a seed for providers that honour one (the simulator does: same seed, same text)
 * @param reasoningBudgetTokens turns on extended thinking where the provider has it (Anthropic's
 *                              {@code thinking.budget_tokens}); the reasoning streams as {@code reasoning} frames
 * @param tools                 functions the model may call; its calls stream as {@code tool_call} frames
 * @param reasoningEffort       how hard a reasoning model thinks, OpenAI's {@code reasoning_effort}: {@code none},
 *                              {@code minimal}, {@code low}, {@code medium}, {@code high} or {@code xhigh}
 *                              ({@link #REASONING_EFFORTS}); Anthropic's extended thinking gets the budget
 *                              {@link #reasoningBudgetFor} gives when {@code reasoningBudgetTokens} is not set
 */
public record GenerationParams(Integer maxTokens, Double temperature, Long seed, Integer reasoningBudgetTokens,
                               List<ToolDefinition> tools, String reasoningEffort) {

    /** The reasoning efforts OpenAI's Chat Completions API names, least first. */
    public static final List<String> REASONING_EFFORTS = List.of("none", "minimal", "low", "medium", "high", "xhigh");

    /** No parameter set: the provider's defaults. */
    public static final GenerationParams DEFAULTS = new GenerationParams(null, null, null);

    public GenerationParams {
        tools = tools == null ? List.of() : List.copyOf(tools);
    }

    /** Parameters without a reasoning effort. */
    public GenerationParams(Integer maxTokens, Double temperature, Long seed, Integer reasoningBudgetTokens,
                            List<ToolDefinition> tools) {
        this(maxTokens, temperature, seed, reasoningBudgetTokens, tools, null);
    }

    /**
     * A thinking budget for a reasoning effort, for providers that take a budget (Anthropic): none for
     * {@code none} and {@code minimal}, then 1,024, 4,096, 16,384 and 32,000 tokens.
     *
     * @param effort one of {@link #REASONING_EFFORTS}, or null
     * @return the budget in tokens, or null for no thinking
     */
    public static Integer reasoningBudgetFor(String effort) {
        if (effort == null) {
            return null;
        }
        return switch (effort) {
            case "low" -> 1024;
            case "medium" -> 4096;
            case "high" -> 16_384;
            case "xhigh" -> 32_000;
            default -> null;
        };
    }

    /** Sampling parameters only: no thinking, no tools. */
    public GenerationParams(Integer maxTokens, Double temperature, Long seed) {
        this(maxTokens, temperature, seed, null, null);
    }
}
