package dev.tokenstream.client;

import dev.tokenstream.events.Buffering;
import dev.tokenstream.events.ChatMessage;
import dev.tokenstream.events.GenerationParams;
import dev.tokenstream.events.MergeMode;
import dev.tokenstream.events.Target;

import java.time.Duration;
import java.util.List;

/**
 * What to stream: the body of {@code POST /v1/streams}.
 *
 * @param provider a provider configured in ingest-service ({@code simulator}, {@code openai}, {@code ollama}, ...)
 * @param model    the provider's model name
 * @param messages the chat prompt
 * @param params    sampling parameters; may be null
 * @param buffering how the processor coalesces tokens into frames; null for its default
 * @param targets   a merge group's models, instead of {@code provider} and {@code model} (null for one stream)
 * @param merge     with {@code targets}: how the group merges its members
 * @param sessionId the session this stream is the next turn of ({@link Session}); null for a stream of its own
 * @param replaceLastTurn with {@code sessionId}: the stream replaces the session's latest turn (a regenerated
 *                  answer)
 */
public record StartStream(String provider, String model, List<ChatMessage> messages, GenerationParams params,
                          Buffering buffering, List<Target> targets, GroupMerge merge, String sessionId,
                          boolean replaceLastTurn) {

    /** A request for one stream, or a merge group, of no session. */
    public StartStream(String provider, String model, List<ChatMessage> messages, GenerationParams params,
                       Buffering buffering, List<Target> targets, GroupMerge merge) {
        this(provider, model, messages, params, buffering, targets, merge, null, false);
    }

    /** A request for one stream. */
    public StartStream(String provider, String model, List<ChatMessage> messages, GenerationParams params,
                       Buffering buffering) {
        this(provider, model, messages, params, buffering, null, null);
    }

    /** @return a request with one user message */
    public static StartStream prompt(String provider, String model, String prompt, GenerationParams params) {
        return new StartStream(provider, model, List.of(ChatMessage.user(prompt)), params, null);
    }

    /**
     * @param targets 2 to 4 models, the first one a fallback group's primary
     * @return a merge group's request with one user message
     */
    public static StartStream group(MergeMode mode, List<Target> targets, String prompt, GenerationParams params) {
        return new StartStream(null, null, List.of(ChatMessage.user(prompt)), params, null, List.copyOf(targets),
                new GroupMerge(mode, null));
    }

    /** @return the same request with {@code buffering} */
    public StartStream withBuffering(Buffering buffering) {
        return new StartStream(provider, model, messages, params, buffering, targets, merge, sessionId,
                replaceLastTurn);
    }

    /** @return the same request as the next turn of session {@code sessionId} */
    public StartStream inSession(String sessionId) {
        return new StartStream(provider, model, messages, params, buffering, targets, merge, sessionId, false);
    }

    /** @return the same request as the turn that replaces the latest one of session {@code sessionId} */
    public StartStream replacingLastTurnOf(String sessionId) {
        return new StartStream(provider, model, messages, params, buffering, targets, merge, sessionId, true);
    }

    /** @return the same merge group request with the fallback primary's first-token timeout */
    public StartStream withFirstTokenTimeout(Duration timeout) {
        return new StartStream(provider, model, messages, params, buffering, targets,
                new GroupMerge(merge.mode(), timeout.toMillis()), sessionId, replaceLastTurn);
    }

    /**
     * How a merge group merges (the {@code merge} object of the request).
     *
     * @param mode                race, fallback or compare
     * @param firstTokenTimeoutMs fallback: the primary's longest time to first token; null for the server's 10 s
     */
    public record GroupMerge(MergeMode mode, Long firstTokenTimeoutMs) {
    }
}
