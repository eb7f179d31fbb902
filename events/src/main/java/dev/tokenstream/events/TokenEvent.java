package dev.tokenstream.events;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.util.ArrayList;
import java.util.List;

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
 * @param batch                   TOKEN, REASONING: null for one provider token; for several that queued in ingest
 *                                behind the stream's send in flight ({@link #batch(List)}), each token's length and
 *                                time, in order, their texts concatenated in {@code text} and {@code emittedAtMicros}
 *                                the first one's. {@link #singles()} gives the tokens one by one.
 */
public record TokenEvent(String streamId, long seq, TokenEventKind kind, String text, long emittedAtMicros,
                         String provider, String model, Long acceptedAtMicros, Long upstreamRequestAtMicros,
                         String finishReason, Usage usage, ErrorInfo error, Buffering buffering,
                         ToolCall toolCall, Long attempt, String tenant, List<TokenSlice> batch) {

    /** An event of one token, or of no token. */
    public TokenEvent(String streamId, long seq, TokenEventKind kind, String text, long emittedAtMicros,
                      String provider, String model, Long acceptedAtMicros, Long upstreamRequestAtMicros,
                      String finishReason, Usage usage, ErrorInfo error, Buffering buffering, ToolCall toolCall,
                      Long attempt, String tenant) {
        this(streamId, seq, kind, text, emittedAtMicros, provider, model, acceptedAtMicros, upstreamRequestAtMicros,
                finishReason, usage, error, buffering, toolCall, attempt, tenant, null);
    }

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
                upstreamRequestAtMicros, finishReason, usage, error, buffering, toolCall, attempt, tenant, batch);
    }

    /**
     * The same event at another place in the stream's log.
     *
     * @param seq its seq
     * @return the event with it
     */
    public TokenEvent withSeq(long seq) {
        return new TokenEvent(streamId, seq, kind, text, emittedAtMicros, provider, model, acceptedAtMicros,
                upstreamRequestAtMicros, finishReason, usage, error, buffering, toolCall, attempt, tenant, batch);
    }

    /**
     * The same event, of {@code tenant}.
     *
     * @param tenant the request's tenant
     * @return the event with it
     */
    public TokenEvent withTenant(String tenant) {
        return new TokenEvent(streamId, seq, kind, text, emittedAtMicros, provider, model, acceptedAtMicros,
                upstreamRequestAtMicros, finishReason, usage, error, buffering, toolCall, attempt, tenant, batch);
    }

    /**
     * Whether events of this kind may travel several to a record ({@link #batch(List)}).
     *
     * @param kind an event's kind
     * @return true for answer text and reasoning
     */
    public static boolean batchable(TokenEventKind kind) {
        return kind == TokenEventKind.TOKEN || kind == TokenEventKind.REASONING;
    }

    /**
     * One event holding the tokens of {@code singles}: their texts concatenated, the first one's seq, time and
     * attempt, each token's length and time in {@link #batch}.
     *
     * @param singles one or more single-token events of one stream and one batchable kind, in order
     * @return {@code singles}' only event, or their batch
     * @throws IllegalArgumentException when they are none, of two kinds, or not batchable
     */
    public static TokenEvent batch(List<TokenEvent> singles) {
        if (singles.isEmpty()) {
            throw new IllegalArgumentException("a batch needs a token");
        }
        TokenEvent first = singles.get(0);
        if (singles.size() == 1) {
            return first;
        }
        var text = new StringBuilder();
        var slices = new ArrayList<TokenSlice>(singles.size());
        for (TokenEvent single : singles) {
            if (single.kind != first.kind || !batchable(single.kind) || single.batch != null) {
                throw new IllegalArgumentException("only single token or reasoning events of one kind batch");
            }
            String piece = single.text == null ? "" : single.text;
            text.append(piece);
            slices.add(new TokenSlice(piece.length(), single.emittedAtMicros));
        }
        return new TokenEvent(first.streamId, first.seq, first.kind, text.toString(), first.emittedAtMicros, null, null,
                null, null, null, null, null, null, null, first.attempt, first.tenant, List.copyOf(slices));
    }

    /**
     * The provider tokens this event holds, one event each (same seq and attempt): itself unless it is a batch.
     *
     * @return the single-token events, in order
     * @throws IllegalStateException when the batch's lengths do not add up to its text (a corrupt record)
     */
    public List<TokenEvent> singles() {
        if (batch == null || batch.isEmpty()) {
            return List.of(this);
        }
        String all = text == null ? "" : text;
        var singles = new ArrayList<TokenEvent>(batch.size());
        int from = 0;
        for (TokenSlice slice : batch) {
            int to = from + slice.length();
            if (slice.length() < 0 || to > all.length()) {
                throw new IllegalStateException("token event " + seq + " of stream " + streamId
                        + ": its batch's lengths exceed its text");
            }
            singles.add(new TokenEvent(streamId, seq, kind, all.substring(from, to), slice.emittedAtMicros(), null,
                    null, null, null, null, null, null, null, null, attempt, tenant));
            from = to;
        }
        return singles;
    }

    /**
     * Whether the batch, if any, adds up: no negative length, the lengths' sum the text's length.
     *
     * @return true for an event that is no batch, or a well-formed one
     */
    @JsonIgnore
    public boolean batchWellFormed() {
        if (batch == null) {
            return true;
        }
        long sum = 0;
        for (TokenSlice slice : batch) {
            if (slice == null || slice.length() < 0) {
                return false;
            }
            sum += slice.length();
        }
        return batchable(kind) && sum == (text == null ? 0 : text.length());
    }

    /**
     * When ingest received the last provider token this event holds.
     *
     * @return the batch's last time, or {@link #emittedAtMicros}
     */
    @JsonIgnore
    public long lastEmittedAtMicros() {
        return batch == null || batch.isEmpty() ? emittedAtMicros : batch.get(batch.size() - 1).emittedAtMicros();
    }

    /**
     * How many provider tokens the event holds.
     *
     * @return the batch's size, or 1
     */
    @JsonIgnore
    public int tokenCount() {
        return batch == null || batch.isEmpty() ? 1 : batch.size();
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
