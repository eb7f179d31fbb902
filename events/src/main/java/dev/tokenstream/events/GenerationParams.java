package dev.tokenstream.events;

/**
 * Sampling parameters passed to the provider. Every field is optional; null means the provider's default.
 *
 * @param maxTokens   the most output tokens to generate
 * @param temperature sampling temperature, 0 to 2
 * @param seed        a seed for providers that honour one (the simulator does: same seed, same text)
 */
public record GenerationParams(Integer maxTokens, Double temperature, Long seed) {

    /** No parameter set: the provider's defaults. */
    public static final GenerationParams DEFAULTS = new GenerationParams(null, null, null);
}
