package dev.tokenstream.simulator.rest;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A requested model name, split at {@code ?}: the simulated model, and an optional fault spec
 * ({@code sim-fast?fault=stall&after=5}).
 *
 * @param name  the model
 * @param query the fault spec, or null
 */
record ModelName(String name, String query) {

    static ModelName of(String model) {
        int at = model.indexOf('?');
        return at < 0 ? new ModelName(model, null) : new ModelName(model.substring(0, at), model.substring(at + 1));
    }

    /** @return the text of the last user message; its content may be a string or an array of text blocks */
    static String lastUserMessage(JsonNode messages) {
        String prompt = "";
        for (JsonNode message : messages) {
            if ("user".equals(message.path("role").asText())) {
                JsonNode content = message.path("content");
                if (content.isArray()) {
                    var text = new StringBuilder();
                    content.forEach(block -> text.append(block.path("text").asText("")));
                    prompt = text.toString();
                } else {
                    prompt = content.asText("");
                }
            }
        }
        return prompt;
    }
}
