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
            if ("user".equals(message.path("role").asText()) && !isToolResult(message)) {
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

    /**
     * @return the text of the conversation's last message when it is the assistant's (a partial answer to continue:
     *         Anthropic's prefill, vLLM's {@code continue_final_message}), else null
     */
    static String finalAssistantText(JsonNode messages) {
        if (messages.isEmpty() || !"assistant".equals(messages.get(messages.size() - 1).path("role").asText())) {
            return null;
        }
        JsonNode content = messages.get(messages.size() - 1).path("content");
        if (!content.isArray()) {
            return content.asText("");
        }
        var text = new StringBuilder();
        content.forEach(block -> text.append(block.path("text").asText("")));
        return text.toString();
    }

    /**
     * @return whether the conversation ends with tools' results (OpenAI's {@code tool} messages, or Anthropic's
     *         user message of {@code tool_result} blocks): the simulator then answers in text, calling no tool again
     */
    static boolean endsWithToolResult(JsonNode messages) {
        return !messages.isEmpty() && (messages.get(messages.size() - 1).path("role").asText().equals("tool")
                || isToolResult(messages.get(messages.size() - 1)));
    }

    private static boolean isToolResult(JsonNode message) {
        JsonNode content = message.path("content");
        if (!content.isArray() || content.isEmpty()) {
            return false;
        }
        for (JsonNode block : content) {
            if (!"tool_result".equals(block.path("type").asText())) {
                return false;
            }
        }
        return true;
    }
}
