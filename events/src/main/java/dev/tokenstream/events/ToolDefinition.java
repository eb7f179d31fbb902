package dev.tokenstream.events;

import java.util.Map;

/**
 * A tool (function) the model may call, as the request offers it. Sent to OpenAI as
 * {@code tools[{type:"function", function{name, description, parameters}}]} and to Anthropic as
 * {@code tools[{name, description, input_schema}]}.
 *
 * @param name        the function's name, {@code [a-zA-Z0-9_-]{1,64}}
 * @param description what it does, for the model; may be null
 * @param parameters  a JSON Schema object of its arguments; null means no arguments
 */
public record ToolDefinition(String name, String description, Map<String, Object> parameters) {
}
