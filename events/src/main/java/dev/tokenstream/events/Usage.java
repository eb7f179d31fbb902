package dev.tokenstream.events;

/**
 * Token usage as the provider reports it. Any field may be null when the provider does not report it.
 *
 * @param inputTokens       prompt tokens
 * @param outputTokens      completion tokens
 * @param cachedInputTokens prompt tokens served from the provider's cache
 * @param reasoningTokens   output tokens spent on reasoning
 */
public record Usage(Long inputTokens, Long outputTokens, Long cachedInputTokens, Long reasoningTokens) {
}
