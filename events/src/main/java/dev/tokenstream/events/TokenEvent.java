package dev.tokenstream.events;

/**
 * One event of a stream's raw log on {@link Topics#TOKENS}, published by ingest-service in order. {@code seq}
 * counts 0, 1, 2, ... per stream over every kind, so a consumer can drop duplicates and see gaps. Fields that
 * do not apply to a kind are null.
 *
 * @param streamId                the stream's id, also the record key
 * @param seq                     per-stream sequence number from 0
 * @param kind                    what happened
 * @param text                    TOKEN, REASONING: the text delta
 * @param emittedAtMicros         when ingest received it from the provider, epoch microseconds
 * @param provider                STARTED: provider name
 * @param model                   STARTED: model name
 * @param acceptedAtMicros        STARTED: when control-service accepted the request, epoch microseconds
 * @param upstreamRequestAtMicros STARTED: when ingest sent the upstream HTTP request, epoch microseconds
 * @param finishReason            COMPLETED: the provider's finish reason ({@code stop}, {@code length}, ...)
 * @param usage                   COMPLETED, CANCELLED, FAILED: usage reported or known so far
 * @param error                   FAILED: why
 * @param buffering               STARTED: the request's coalescing policy, or null for the processor's default
 * @param toolCall                TOOL_CALL_DELTA, TOOL_CALL: the call or its fragment
 * @param attempt                 which run of the stream's request made the event (its epoch): when ingest took
 *                                it, epoch microseconds. A request processed again after a crash is a new attempt
 *                                with a greater value, its seq from 0 again; the processor fences the older one.
 *                                Null on events made before attempts existed.
 * @param tenant                  STARTED: the request's tenant, so the processor can answer its queries per tenant
 */
public record TokenEvent(String streamId, long seq, TokenEventKind kind, String text, long emittedAtMicros,
                         String provider, String model, Long acceptedAtMicros, Long upstreamRequestAtMicros,
                         String finishReason, Usage usage, ErrorInfo error, Buffering buffering,
                         ToolCall toolCall, Long attempt, String tenant) {

    /** An event of no tenant. */
    public TokenEvent(String streamId, long seq, TokenEventKind kind, String text, long emittedAtMicros,
                      String provider, String model, Long acceptedAtMicros, Long upstreamRequestAtMicros,
                      String finishReason, Usage usage, ErrorInfo error, Buffering buffering, ToolCall toolCall,
                      Long attempt) {
        this(streamId, seq, kind, text, emittedAtMicros, provider, model, acceptedAtMicros, upstreamRequestAtMicros,
                finishReason, usage, error, buffering, toolCall, attempt, null);
    }

    /** An event of no particular attempt; ingest stamps its attempt with {@link #withAttempt} when it publishes. */
    public TokenEvent(String streamId, long seq, TokenEventKind kind, String text, long emittedAtMicros,
                      String provider, String model, Long acceptedAtMicros, Long upstreamRequestAtMicros,
                      String finishReason, Usage usage, ErrorInfo error, Buffering buffering, ToolCall toolCall) {
        this(streamId, seq, kind, text, emittedAtMicros, provider, model, acceptedAtMicros, upstreamRequestAtMicros,
                finishReason, usage, error, buffering, toolCall, null);
    }

    /**
     * The same event, made by {@code attempt}.
     *
     * @param attempt the run of the request, epoch microseconds when ingest took it
     * @return the stamped event
     */
    public TokenEvent withAttempt(long attempt) {
        return new TokenEvent(streamId, seq, kind, text, emittedAtMicros, provider, model, acceptedAtMicros,
                upstreamRequestAtMicros, finishReason, usage, error, buffering, toolCall, attempt, tenant);
    }

    /**
     * The same event, of {@code tenant}.
     *
     * @param tenant the request's tenant
     * @return the event with it
     */
    public TokenEvent withTenant(String tenant) {
        return new TokenEvent(streamId, seq, kind, text, emittedAtMicros, provider, model, acceptedAtMicros,
                upstreamRequestAtMicros, finishReason, usage, error, buffering, toolCall, attempt, tenant);
    }

    public static TokenEvent started(String streamId, long seq, String provider, String model,
                                     long acceptedAtMicros, long upstreamRequestAtMicros, long emittedAtMicros) {
        return started(streamId, seq, provider, model, acceptedAtMicros, upstreamRequestAtMicros, emittedAtMicros,
                null);
    }

    public static TokenEvent started(String streamId, long seq, String provider, String model,
                                     long acceptedAtMicros, long upstreamRequestAtMicros, long emittedAtMicros,
                                     Buffering buffering) {
        return new TokenEvent(streamId, seq, TokenEventKind.STARTED, null, emittedAtMicros, provider, model,
                acceptedAtMicros, upstreamRequestAtMicros, null, null, null, buffering, null);
    }

    public static TokenEvent token(String streamId, long seq, String text, long emittedAtMicros) {
        return new TokenEvent(streamId, seq, TokenEventKind.TOKEN, text, emittedAtMicros, null, null, null, null,
                null, null, null, null, null);
    }

    public static TokenEvent reasoning(String streamId, long seq, String text, long emittedAtMicros) {
        return new TokenEvent(streamId, seq, TokenEventKind.REASONING, text, emittedAtMicros, null, null, null, null,
                null, null, null, null, null);
    }

    /** @return a TOOL_CALL_DELTA or TOOL_CALL event, by {@link ToolCall#complete()} */
    public static TokenEvent toolCall(String streamId, long seq, ToolCall call, long emittedAtMicros) {
        return new TokenEvent(streamId, seq, call.complete() ? TokenEventKind.TOOL_CALL : TokenEventKind.TOOL_CALL_DELTA,
                null, emittedAtMicros, null, null, null, null, null, null, null, null, call);
    }

    public static TokenEvent completed(String streamId, long seq, String finishReason, Usage usage,
                                       long emittedAtMicros) {
        return new TokenEvent(streamId, seq, TokenEventKind.COMPLETED, null, emittedAtMicros, null, null, null, null,
                finishReason, usage, null, null, null);
    }

    public static TokenEvent failed(String streamId, long seq, ErrorInfo error, Usage usage, long emittedAtMicros) {
        return new TokenEvent(streamId, seq, TokenEventKind.FAILED, null, emittedAtMicros, null, null, null, null,
                null, usage, error, null, null);
    }

    public static TokenEvent cancelled(String streamId, long seq, Usage usage, long emittedAtMicros) {
        return new TokenEvent(streamId, seq, TokenEventKind.CANCELLED, null, emittedAtMicros, null, null, null, null,
                null, usage, null, null, null);
    }
}
