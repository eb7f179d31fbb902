package dev.tokenstream.events;

/**
 * One model a merge group streams from.
 *
 * @param provider a provider configured in ingest-service
 * @param model    the provider's model name
 */
public record Target(String provider, String model) {
}
