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
 */
public record GenerationParams(Integer maxTokens, Double temperature, Long seed, Integer reasoningBudgetTokens,
                               List<ToolDefinition> tools) {

    /** No parameter set: the provider's defaults. */
    public static final GenerationParams DEFAULTS = new GenerationParams(null, null, null);

    public GenerationParams {
        tools = tools == null ? List.of() : List.copyOf(tools);
    }

    /** Sampling parameters only: no thinking, no tools. */
    public GenerationParams(Integer maxTokens, Double temperature, Long seed) {
        this(maxTokens, temperature, seed, null, null);
    }
}
