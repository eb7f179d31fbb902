package dev.tokenstream.api;

import dev.tokenstream.events.Buffering;
import dev.tokenstream.events.ChatMessage;
import dev.tokenstream.events.GenerationParams;
import dev.tokenstream.events.MergeMode;
import dev.tokenstream.events.Target;
import dev.tokenstream.events.ToolCall;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.tokenstream.events.serde.Json;
import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Body of {@code POST /v1/streams}: what control-service takes (with its Bean Validation constraints) and what the
 * SDK, the CLI and delivery's facades send. Build one with {@link #prompt}, {@link #of} or {@link #group}.
 *
 * @param provider a provider configured in ingest-service ({@code simulator}, {@code openai}, {@code ollama}, ...)
 * @param model    the provider's model name
 * @param messages the chat prompt, at least one message
 * @param params    optional sampling parameters
 * @param buffering optional coalescing of tokens into frames, e.g. {@code {"mode":"words"}} or
 *                  {@code {"mode":"tokens","size":5}}; the processor's default when absent
 * @param targets   a merge group's models instead of {@code provider} and {@code model}: 2 to
 *                  {@value #MAX_TARGETS}, the first one the primary
 * @param merge     with {@code targets}: how the group merges its members
 * @param sessionId optional: the session ({@code POST /v1/sessions}) this stream is the next turn of; the provider
 *                  is sent the session's conversation so far followed by {@code messages}
 * @param replaceLastTurn with {@code sessionId}: this stream replaces the session's latest turn (which must have
 *                  ended), as a regenerated answer does; the provider is sent the conversation before that turn
 */
public record StartStreamRequest(
        @Size(max = 64) String provider,
        @Size(max = 256) String model,
        @NotEmpty @Size(max = 256) List<@Valid @NotNull Message> messages,
        GenerationParams params,
        Buffering buffering,
        @Size(min = 2, max = MAX_TARGETS) List<@Valid @NotNull TargetBody> targets,
        @Valid MergeBody merge,
        @Size(max = 64) String sessionId,
        boolean replaceLastTurn) {

    /** The most models a merge group may have. */
    public static final int MAX_TARGETS = 4;
    /** Fallback: the primary's default time to first token before the group switches. */
    static final long DEFAULT_FIRST_TOKEN_TIMEOUT_MILLIS = 10_000;

    /** @return a request for one stream of {@code messages}, of no session */
    public static StartStreamRequest of(String provider, String model, List<ChatMessage> messages,
                                        GenerationParams params, Buffering buffering) {
        return new StartStreamRequest(provider, model, messages.stream().map(Message::of).toList(), params,
                buffering, null, null, null, false);
    }

    /** @return a request for one stream with one user message */
    public static StartStreamRequest prompt(String provider, String model, String prompt, GenerationParams params) {
        return of(provider, model, List.of(ChatMessage.user(prompt)), params, null);
    }

    /**
     * @param targets 2 to {@value #MAX_TARGETS} models, the first one a fallback group's primary
     * @return a merge group's request with one user message
     */
    public static StartStreamRequest group(MergeMode mode, List<Target> targets, String prompt,
                                           GenerationParams params) {
        return new StartStreamRequest(null, null, List.of(Message.of(ChatMessage.user(prompt))), params, null,
                targets.stream().map(t -> new TargetBody(t.provider(), t.model())).toList(),
                new MergeBody(mode, null), null, false);
    }

    /** @return the same request with {@code buffering} (null: the processor's default) */
    public StartStreamRequest withBuffering(Buffering buffering) {
        return new StartStreamRequest(provider, model, messages, params, buffering, targets, merge, sessionId,
                replaceLastTurn);
    }

    /** @return the same request as the next turn of session {@code sessionId} */
    public StartStreamRequest inSession(String sessionId) {
        return new StartStreamRequest(provider, model, messages, params, buffering, targets, merge, sessionId, false);
    }

    /** @return the same request as the turn that replaces the latest one of session {@code sessionId} */
    public StartStreamRequest replacingLastTurnOf(String sessionId) {
        return new StartStreamRequest(provider, model, messages, params, buffering, targets, merge, sessionId, true);
    }

    /** @return the same merge group request with the fallback primary's first-token timeout */
    public StartStreamRequest withFirstTokenTimeout(Duration timeout) {
        return new StartStreamRequest(provider, model, messages, params, buffering, targets,
                new MergeBody(merge.mode(), timeout.toMillis()), sessionId, replaceLastTurn);
    }

    /** @return the messages as the events the provider is sent */
    public List<ChatMessage> chatMessages() {
        return messages.stream().map(Message::toEvent).toList();
    }

    /** Validated with the fields, so a request hears of every problem at once. */
    @JsonIgnore
    @AssertTrue(message = "and model are required, or targets and merge for a merge group")
    public boolean isProviderAndModel() {
        return targets != null || (provider != null && !provider.isBlank() && model != null && !model.isBlank());
    }

    /**
     * @return the SHA-256 (hex) of this request as JSON: two requests with the same fields have the same
     *         fingerprint, whatever their key order or white space was
     */
    public String fingerprint() {
        try {
            byte[] json = Json.MAPPER.writeValueAsBytes(this);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json));
        } catch (NoSuchAlgorithmException | JsonProcessingException e) {
            throw new IllegalStateException("cannot fingerprint a start request", e);
        }
    }

    /** The most tools a request may define. */
    public static final int MAX_TOOLS = 128;

    /**
     * @return why {@link #params} are not usable, or null when they are (or there are none); the provider's own
     *         output limit is checked against the catalog
     */
    public String paramsProblem() {
        if (params == null) {
            return null;
        }
        if (params.maxTokens() != null && params.maxTokens() < 1) {
            return "params.maxTokens must be at least 1";
        }
        if (params.temperature() != null && !(params.temperature() >= 0 && params.temperature() <= 2)) {
            return "params.temperature must be from 0 to 2";
        }
        if (params.reasoningBudgetTokens() != null && params.reasoningBudgetTokens() < 1) {
            // The provider's own bounds (Anthropic: at least 1024, below max_tokens) are its to tell.
            return "params.reasoningBudgetTokens must be at least 1";
        }
        if (params.reasoningEffort() != null
                && !GenerationParams.REASONING_EFFORTS.contains(params.reasoningEffort())) {
            return "params.reasoningEffort must be one of " + String.join(", ", GenerationParams.REASONING_EFFORTS);
        }
        if (params.tools().size() > MAX_TOOLS) {
            return "params.tools may define at most " + MAX_TOOLS + " tools";
        }
        if (params.tools().stream().anyMatch(t -> t == null || t.name() == null
                || !t.name().matches("[a-zA-Z0-9_-]{1,64}"))) {
            return "params.tools[].name must be 1 to 64 letters, digits, _ or -";
        }
        return null;
    }

    /** @return the provider and model of each stream the request starts: one, or a merge group's targets */
    public List<Target> streamTargets() {
        return targets == null ? List.of(new Target(provider, model)) : eventTargets();
    }

    /** @return why the merge group's settings are not usable, or null when they are (or there is no group) */
    public String targetProblem() {
        if (targets == null) {
            return merge == null ? null : "merge needs targets";
        }
        if (provider != null || model != null) {
            return "give either provider and model, or targets, not both";
        }
        return merge == null || merge.mode() == null ? "merge.mode must be one of race, fallback, compare" : null;
    }

    /** @return the merge group's targets as events */
    public List<Target> eventTargets() {
        return targets.stream().map(t -> new Target(t.provider(), t.model())).toList();
    }

    /**
     * One model of a merge group.
     *
     * @param provider a provider configured in ingest-service
     * @param model    the provider's model name
     */
    public record TargetBody(@NotBlank @Size(max = 64) String provider, @NotBlank @Size(max = 256) String model) {
    }

    /**
     * How a merge group merges.
     *
     * @param mode                race, fallback or compare
     * @param firstTokenTimeoutMs fallback: the primary's longest time to first token before the group switches to
     *                            the next target, in milliseconds (default 10000)
     */
    public record MergeBody(MergeMode mode, @Min(1) @Max(600_000) Long firstTokenTimeoutMs) {

        /** @return the fallback primary's first-token timeout, the default when none was given, milliseconds */
        public long firstTokenTimeoutMillis() {
            return firstTokenTimeoutMs == null ? DEFAULT_FIRST_TOKEN_TIMEOUT_MILLIS : firstTokenTimeoutMs;
        }
    }

    /** @return why {@link #buffering} is not usable, or null when it is */
    public String bufferingProblem() {
        if (buffering == null) {
            return null;
        }
        if (buffering.mode() == null) {
            return "buffering.mode must be one of none, tokens, characters, window, words, sentences";
        }
        if (buffering.mode().needsSize() && (buffering.size() == null || buffering.size() < 1
                || buffering.size() > 60_000)) {
            return "buffering.size must be from 1 to 60000 for mode " + buffering.mode().wireName();
        }
        return null;
    }

    /**
     * One chat message.
     *
     * @param role       system, user, assistant or tool
     * @param content    the text; may be absent from an assistant message that calls tools
     * @param toolCalls  an assistant message's tool calls: {@code [{id, name, arguments}]}, arguments JSON text
     * @param toolCallId a tool message's call: the id of an earlier assistant message's call
     */
    public record Message(
            @NotNull @Pattern(regexp = "system|user|assistant|tool", message = "must be system, user, assistant or "
                    + "tool") String role,
            String content,
            @Size(max = MAX_TOOLS) List<@Valid @NotNull CallBody> toolCalls,
            @Size(max = 128) String toolCallId) {

        /** Validated with the fields: text, except from an assistant that calls tools; a tool answers a call. */
        @JsonIgnore
        @AssertTrue(message = "must have content (an assistant's may have toolCalls instead), and a tool message a "
                + "toolCallId; only assistant messages have toolCalls")
        public boolean isWellFormed() {
            boolean calls = toolCalls != null && !toolCalls.isEmpty();
            return (content != null || (calls && "assistant".equals(role)))
                    && (!"tool".equals(role) || (toolCallId != null && !toolCallId.isBlank()))
                    && (!calls || "assistant".equals(role));
        }

        /** @return the body of {@code message} */
        public static Message of(ChatMessage message) {
            List<CallBody> calls = message.toolCalls() == null ? null : message.toolCalls().stream()
                    .map(call -> new CallBody(call.id(), call.name(), call.arguments())).toList();
            return new Message(message.role(), message.content(), calls, message.toolCallId());
        }

        /** @return the message as the event the provider is sent */
        public ChatMessage toEvent() {
            List<ToolCall> calls = null;
            if (toolCalls != null && !toolCalls.isEmpty()) {
                calls = new ArrayList<>();
                for (int i = 0; i < toolCalls.size(); i++) {
                    calls.add(toolCalls.get(i).toEvent(i));
                }
            }
            return new ChatMessage(role, content, calls, toolCallId);
        }
    }

    /**
     * A tool call an assistant message made.
     *
     * @param id        the provider's call id
     * @param name      the tool's name
     * @param arguments its JSON arguments, as text
     */
    public record CallBody(@NotBlank @Size(max = 128) String id, @NotBlank @Size(max = 64) String name,
                           String arguments) {

        /** @return the call, the {@code index}-th of its message */
        public ToolCall toEvent(int index) {
            return ToolCall.whole(index, id, name, arguments == null ? "{}" : arguments);
        }
    }
}
