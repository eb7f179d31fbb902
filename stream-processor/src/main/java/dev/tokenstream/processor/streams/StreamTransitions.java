package dev.tokenstream.processor.streams;

import dev.tokenstream.events.ControlAction;
import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.ErrorInfo;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.ModelSample;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.StreamStats;
import dev.tokenstream.events.TenantSample;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.TokenEventKind;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.HdrHistogram.IntCountsHistogram;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The transitions of one stream's state ({@link StreamProgress}) on a token event or a control command, and what
 * each produces: frames with the next delivery seq, statistics, model samples, all into an {@link Emissions}.
 * <ul>
 *   <li>Token events whose seq was already seen are dropped, so at-least-once input gives exactly-once frames.</li>
 *   <li>While paused, token events are held in the {@link StreamTopology#PAUSE_BUFFER_STORE} and nothing is
 *   forwarded; resume flushes them in order, then the stream goes on live.</li>
 *   <li>Cancel ends delivery at once with a cancelled frame and drops held tokens; a later cancelled event from
 *   ingest only adds the usage known upstream to the statistics.</li>
 *   <li>Tokens are coalesced into frames by the stream's {@link Coalescer}; pause, cancel and the terminal frame
 *   flush what waits first. Reasoning and tool-call events become {@code reasoning} and {@code tool_call} frames one
 *   for one, after the pending text; they are held while paused like tokens, and do not count as output tokens.</li>
 *   <li>A command that does not fit the state ({@link StreamState#allows}) is rejected: logged with the reason,
 *   and no frame is written.</li>
 * </ul>
 */
final class StreamTransitions {

    private static final Logger LOG = Logger.getLogger(StreamTransitions.class);

    private final StreamTopology.Settings settings;
    private final StreamMetrics metrics;
    private final KeyValueStore<String, TokenEvent> held;
    private final LongSupplier clockMillis;
    /** Window-mode streams with pending text; rebuilt by the next token after a restart. */
    private final Set<String> windowed = new LinkedHashSet<>();

    /**
     * Window mode: how long after its window a frame waits by the wall clock for tokens still in transit before it
     * goes out without them. A window's frame holds the tokens emitted (by ingest's clock) within the window from its
     * first token's, decided when the first token of the next window arrives, so reprocessing after a crash makes
     * the same frames; only the last window before a silence goes out by the wall clock, after this grace.
     */
    static final long WINDOW_GRACE_MILLIS = 250;
    /**
     * Inter-token histograms of this task's running streams, decoded: compressing a histogram for every token
     * cost more than the rest of the token's processing. Written back into the stored progress with every
     * statistics record (every {@code stats-every-tokens} tokens and every change of state), so a restart loses
     * at most that many gaps of a stream's ITL, never a token.
     */
    private final Map<String, IntCountsHistogram> itl = new HashMap<>();

    /**
     * @param held        the pause buffer store
     * @param clockMillis the processor's wall clock (the test driver's mock clock in topology tests), epoch ms
     */
    StreamTransitions(StreamTopology.Settings settings, StreamMetrics metrics, KeyValueStore<String, TokenEvent> held,
                      LongSupplier clockMillis) {
        this.settings = settings;
        this.metrics = metrics;
        this.held = held;
        this.clockMillis = clockMillis;
    }

    /**
     * A token event from ingest.
     *
     * @return whether the stream's state changed (and must be stored)
     */
    boolean onTokenEvent(String id, StreamProgress progress, TokenEvent event, Emissions out) {
        Long attempt = event.attempt();
        if (attempt != null && progress.attempt != null && !attempt.equals(progress.attempt)) {
            return attempt < progress.attempt ? superseded(id, event) : onNewAttempt(id, progress, event, out);
        }
        if (attempt != null) {
            progress.attempt = attempt;
        }
        if (event.seq() <= progress.lastEventSeq) {
            LOG.debugf("stream %s: duplicate token event %d dropped", id, event.seq());
            return false;
        }
        long missingFrom = progress.lastEventSeq + 1;
        progress.lastEventSeq = event.seq();
        progress.lastActivityMillis = clockMillis.getAsLong();
        if (event.seq() != missingFrom && !progress.state.isTerminal()) {
            // Events of one stream share a partition, so a missing seq never comes later: the answer has a hole.
            // It ends here, with what was delivered before the hole; completed always means the whole answer.
            LOG.errorf("stream %s: token events %d to %d missing; failed as data_loss", id, missingFrom,
                    event.seq() - 1);
            // Ingest may still hold the upstream call: close it.
            out.command(new ControlCommand("data_loss-" + id, id, ControlAction.CANCEL, nowMicros()));
            fail(id, progress, new ErrorInfo("data_loss", "token events " + missingFrom + " to "
                    + (event.seq() - 1) + " of the stream are missing from the log", true), out);
            return true;
        }
        if (progress.state.isTerminal()) {
            // Ingest's own cancelled (or late) event: no frame after the end, but its usage counts.
            if (event.usage() != null) {
                progress.usage = event.usage();
                publishStats(id, progress, out);
            }
            return true;
        }
        if (event.kind().isContent()) {
            progress.contentEvents++;
        }
        if (progress.state == StreamState.PAUSED) {
            held.put(heldKey(id, event.seq()), event);
            progress.heldEvents++;
            return true;
        }
        apply(id, progress, event, out);
        return true;
    }

    private static boolean superseded(String id, TokenEvent event) {
        LOG.debugf("stream %s: event %d of superseded attempt %d dropped", id, event.seq(), event.attempt());
        return false;
    }

    /**
     * The first event of a newer attempt at the stream's request (ingest took it again after a crash). Before any
     * content of the older attempt, the newer one replaces it without the client seeing a thing, as a retry before
     * the first token does; after content, it ends the stream as failed with {@code interrupted}: the answer would
     * otherwise be the first part of one generation followed by the rest of another. A finished stream stays
     * finished. Either way that is not a replacement, the newer attempt's upstream call is cancelled.
     *
     * @return whether the stream's state changed
     */
    private boolean onNewAttempt(String id, StreamProgress progress, TokenEvent event, Emissions out) {
        boolean replace = !progress.state.isTerminal() && progress.contentEvents == 0;
        if (!replace) {
            if (event.seq() == 0) {
                out.command(new ControlCommand("superseded-" + id + "-" + event.attempt(), id, ControlAction.CANCEL,
                        nowMicros()));
            }
            if (progress.state.isTerminal()) {
                LOG.infof("stream %s: attempt %d after the end ignored", id, event.attempt());
                return false;
            }
            LOG.warnf("stream %s: attempt %d after %d content events of attempt %d; failed as interrupted", id,
                    event.attempt(), progress.contentEvents, progress.attempt);
            progress.attempt = event.attempt();
            fail(id, progress, new ErrorInfo("interrupted", "the stream's generation was interrupted after "
                    + progress.tokenCount + " tokens were delivered (ingest restarted); start it again", true), out);
            return true;
        }
        LOG.infof("stream %s: attempt %d replaces attempt %d before any content", id, event.attempt(),
                progress.attempt);
        dropHeld(id, progress);
        progress.attempt = event.attempt();
        progress.lastEventSeq = -1;
        return onTokenEvent(id, progress, event, out);
    }

    /**
     * A control command.
     *
     * @return whether it applied (the state changed); false when it was rejected
     */
    boolean onCommand(String id, StreamProgress progress, ControlCommand command, Emissions out) {
        if (!progress.state.allows(command.action())) {
            LOG.infof("stream %s: %s rejected in state %s (command %s)", id, command.action(), progress.state,
                    command.commandId());
            return false;
        }
        switch (command.action()) {
            case PAUSE -> {
                flushPending(id, progress, out);
                progress.state = progress.state.after(command.action(), progress.started);
                progress.pausedAtMicros = command.issuedAtMicros();
                progress.pausedSinceMillis = clockMillis.getAsLong();
                out.frame(DeliveryFrame.of(FrameType.PAUSED, id, progress.nextDeliverySeq(), nowMicros()), progress);
                LOG.infof("stream %s paused after %d tokens", id, progress.tokenCount);
            }
            case RESUME -> {
                addPausedTime(progress, command.issuedAtMicros());
                progress.state = progress.state.after(command.action(), progress.started);
                // The silence while paused was the client's choice: the stall timeout counts from the resume.
                progress.lastActivityMillis = clockMillis.getAsLong();
                out.frame(DeliveryFrame.of(FrameType.RESUMED, id, progress.nextDeliverySeq(), nowMicros()), progress);
                int flushed = flushHeld(id, progress, out);
                LOG.infof("stream %s resumed: %d held events flushed", id, flushed);
            }
            case CANCEL -> {
                if (progress.state == StreamState.PAUSED) {
                    addPausedTime(progress, command.issuedAtMicros());
                    dropHeld(id, progress);
                }
                flushPending(id, progress, out);
                progress.state = progress.state.after(command.action(), progress.started);
                progress.finishReason = "cancelled";
                progress.endedAtMicros = command.issuedAtMicros();
                progress.lastActivityMillis = clockMillis.getAsLong();
                out.frame(new DeliveryFrame(FrameType.CANCELLED, id, progress.nextDeliverySeq(), null, nowMicros(),
                        "cancelled", null, null), progress);
                LOG.infof("stream %s cancelled after %d tokens", id, progress.tokenCount);
            }
            default -> throw new IllegalArgumentException("unknown action " + command.action());
        }
        StreamStats stats = publishStats(id, progress, out);
        if (progress.state == StreamState.CANCELLED) {
            ended(progress, stats, out);
        }
        return true;
    }

    /**
     * Fails an open stream past one of its bounds (silent, paused too long, never started); its held events are
     * dropped (they stay in the tokens topic) and what was delivered stays delivered.
     *
     * @param error why, e.g. {@code stalled}, {@code pause_expired} or {@code not_started}
     */
    void fail(String id, StreamProgress progress, ErrorInfo error, Emissions out) {
        if (progress.state == StreamState.PAUSED) {
            addPausedTime(progress, nowMicros());
            dropHeld(id, progress);
        }
        end(id, progress, TokenEvent.failed(id, progress.lastEventSeq + 1, error, null, nowMicros()), out);
    }

    /** Forgets what is kept in memory of a stream whose state was dropped. */
    void forget(String id) {
        itl.remove(id);
    }

    /**
     * Flushes the window-mode streams whose window is over.
     *
     * @param load reads a stream's state
     * @param save writes a stream's state back
     */
    void flushDueWindows(long nowMillis, Function<String, StreamProgress> load,
                         BiConsumer<String, StreamProgress> save, Emissions out) {
        for (var it = windowed.iterator(); it.hasNext();) {
            String id = it.next();
            StreamProgress progress = load.apply(id);
            if (progress == null || progress.pendingTokens == 0) {
                it.remove();
                continue;
            }
            if (nowMillis - progress.pendingSinceMillis >= coalescer(progress).windowMillis() + WINDOW_GRACE_MILLIS) {
                flushPending(id, progress, out);
                save.accept(id, progress);
                it.remove();
            }
        }
    }

    private void apply(String id, StreamProgress progress, TokenEvent event, Emissions out) {
        switch (event.kind()) {
            case STARTED -> {
                if (progress.started) {
                    // A newer attempt started again: the client saw its started frame already.
                    progress.upstreamRequestAtMicros = event.upstreamRequestAtMicros();
                    return;
                }
                progress.started = true;
                progress.state = StreamState.STARTED;
                progress.provider = event.provider();
                progress.model = event.model();
                if (event.tenant() != null) {
                    progress.tenant = event.tenant();
                }
                progress.acceptedAtMicros = event.acceptedAtMicros();
                progress.upstreamRequestAtMicros = event.upstreamRequestAtMicros();
                progress.buffering = event.buffering();
                metrics.started(progress.provider, progress.model);
                sample(progress, ModelSample.started(progress.provider, progress.model), out);
                out.frame(DeliveryFrame.of(FrameType.STARTED, id, progress.nextDeliverySeq(), nowMicros()), progress);
                publishStats(id, progress, out);
            }
            case TOKEN -> {
                markStarted(progress);
                long before = progress.tokenCount;
                // A batch (tokens that queued in ingest) counts and times each token; by default it is one frame.
                List<TokenEvent> singles = event.singles();
                for (int i = 0; i < singles.size(); i++) {
                    TokenEvent single = singles.get(i);
                    recordToken(id, progress, single.emittedAtMicros(), out);
                    coalesce(id, progress, single, i == singles.size() - 1, out);
                }
                if (progress.tokenCount / settings.statsEveryTokens() > before / settings.statsEveryTokens()) {
                    publishStats(id, progress, out);
                }
            }
            case REASONING, TOOL_CALL_DELTA, TOOL_CALL -> {
                markStarted(progress);
                // Not answer text: never coalesced with it, and in order with it.
                flushPending(id, progress, out);
                out.frame(event.kind() == TokenEventKind.REASONING
                        ? DeliveryFrame.reasoning(id, progress.nextDeliverySeq(), event.text(),
                                event.lastEmittedAtMicros())
                        : DeliveryFrame.toolCall(id, progress.nextDeliverySeq(), event.toolCall(),
                                event.emittedAtMicros()), progress);
            }
            case COMPLETED, FAILED, CANCELLED -> end(id, progress, event, out);
            default -> throw new IllegalArgumentException("unknown token event kind " + event.kind());
        }
    }

    private static void markStarted(StreamProgress progress) {
        if (!progress.started) {
            progress.started = true;
            progress.state = StreamState.STARTED;
        }
    }

    /** Counts a token in the stream's statistics and in the metrics. */
    private void recordToken(String id, StreamProgress progress, long emittedAtMicros, Emissions out) {
        Long previous = progress.lastTokenAtMicros;
        StreamStatistics.recordToken(progress, emittedAtMicros,
                itl.computeIfAbsent(id, k -> StreamStatistics.decode(progress.itlHistogram)));
        if (previous != null) {
            metrics.nextToken(progress.provider, progress.model, Math.max(0, emittedAtMicros - previous));
        } else if (progress.acceptedAtMicros != null) {
            long ttftMicros = Math.max(0, emittedAtMicros - progress.acceptedAtMicros);
            metrics.firstToken(progress.provider, progress.model, ttftMicros);
            sample(progress, ModelSample.firstToken(progress.provider, progress.model, ttftMicros / 1000.0), out);
        }
    }

    private void end(String id, StreamProgress progress, TokenEvent event, Emissions out) {
        flushPending(id, progress, out);
        FrameType type = switch (event.kind()) {
            case COMPLETED -> FrameType.COMPLETED;
            case FAILED -> FrameType.FAILED;
            default -> FrameType.CANCELLED;
        };
        progress.state = switch (event.kind()) {
            case COMPLETED -> StreamState.COMPLETED;
            case FAILED -> StreamState.FAILED;
            default -> StreamState.CANCELLED;
        };
        progress.finishReason = event.kind() == TokenEventKind.CANCELLED ? "cancelled" : event.finishReason();
        progress.usage = event.usage();
        progress.error = event.error();
        progress.endedAtMicros = event.emittedAtMicros();
        progress.lastActivityMillis = clockMillis.getAsLong();
        out.frame(new DeliveryFrame(type, id, progress.nextDeliverySeq(), null, nowMicros(), progress.finishReason,
                event.usage(), event.error()), progress);
        ended(progress, publishStats(id, progress, out), out);
    }

    /** A stream ended: its metrics and its model's sample. */
    private void ended(StreamProgress progress, StreamStats stats, Emissions out) {
        metrics.ended(progress.provider, progress.model, progress.state, stats.tokensPerSecond());
        sample(progress, ModelSample.ended(progress.provider, progress.model, progress.state,
                stats.tokensPerSecond(), progress.tokenCount, progress.itlHistogram), out);
    }

    /** A sample for the stream's model's windowed statistics (streams whose model is known). */
    private static void sample(StreamProgress progress, ModelSample sample, Emissions out) {
        if (progress.provider != null && progress.model != null) {
            out.sample(ModelSample.key(progress.provider, progress.model), sample);
        }
    }

    private int flushHeld(String id, StreamProgress progress, Emissions out) {
        List<TokenEvent> events = new ArrayList<>();
        try (KeyValueIterator<String, TokenEvent> it = held.prefixScan(id + "/", Serdes.String().serializer())) {
            it.forEachRemaining(kv -> events.add(kv.value));
        }
        for (TokenEvent event : events) {
            held.delete(heldKey(id, event.seq()));
            if (!progress.state.isTerminal()) {
                apply(id, progress, event, out);
            }
        }
        progress.heldEvents = 0;
        return events.size();
    }

    private void dropHeld(String id, StreamProgress progress) {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, TokenEvent> it = held.prefixScan(id + "/", Serdes.String().serializer())) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        keys.forEach(held::delete);
        progress.heldEvents = 0;
    }

    private static void addPausedTime(StreamProgress progress, long nowMicros) {
        if (progress.pausedAtMicros != null) {
            progress.pausedMillis += Math.max(0, nowMicros - progress.pausedAtMicros) / 1000.0;
            progress.pausedAtMicros = null;
        }
    }

    private Coalescer coalescer(StreamProgress progress) {
        return Coalescer.of(progress.buffering != null ? progress.buffering : settings.defaultBuffering());
    }

    /**
     * Adds a token to the stream's pending text and writes a token frame when its coalescer says so.
     *
     * @param endOfRecord whether it is the last token of its record (a batch holds several)
     */
    private void coalesce(String id, StreamProgress progress, TokenEvent event, boolean endOfRecord,
                          Emissions out) {
        Coalescer coalescer = coalescer(progress);
        String text = event.text() == null ? "" : event.text();
        long windowMicros = coalescer.windowMillis() * 1000;
        if (coalescer.flushBefore(text, progress.pendingTokens) || (windowMicros > 0 && progress.pendingTokens > 0
                && event.emittedAtMicros() - progress.pendingFirstEmittedAtMicros >= windowMicros)) {
            flushPending(id, progress, out);
        }
        if (progress.pendingTokens == 0) {
            progress.pendingSinceMillis = clockMillis.getAsLong();
            progress.pendingFirstEmittedAtMicros = event.emittedAtMicros();
        }
        progress.pendingText += text;
        progress.pendingTokens++;
        progress.pendingEmittedAtMicros = event.emittedAtMicros();
        if (coalescer.flushAfter(text, progress.pendingText, progress.pendingTokens, endOfRecord)) {
            flushPending(id, progress, out);
        } else if (coalescer.windowMillis() > 0) {
            windowed.add(id);
        }
    }

    /** Writes the pending text, if any, as one token frame. */
    private void flushPending(String id, StreamProgress progress, Emissions out) {
        if (progress.pendingTokens == 0) {
            return;
        }
        out.frame(DeliveryFrame.tokens(id, progress.nextDeliverySeq(), progress.pendingText, progress.pendingTokens,
                progress.pendingEmittedAtMicros), progress);
        progress.pendingText = "";
        progress.pendingTokens = 0;
    }

    /** Key of a held event: zero-padded seq, so a prefix scan returns a stream's events in order. */
    static String heldKey(String streamId, long seq) {
        return streamId + "/" + String.format("%019d", seq);
    }

    private StreamStats publishStats(String id, StreamProgress progress, Emissions out) {
        IntCountsHistogram histogram = progress.state.isTerminal() ? itl.remove(id) : itl.get(id);
        if (histogram != null) {
            StreamStatistics.store(progress, histogram);
        }
        StreamStats stats = StreamStatistics.of(id, progress, nowMicros());
        out.stats(stats);
        sampleTenant(id, progress, out);
        return stats;
    }

    /** Reports the stream's new output tokens and its end to its tenant's usage, with its statistics. */
    private void sampleTenant(String id, StreamProgress progress, Emissions out) {
        if (progress.tenant == null) {
            return;
        }
        long now = clockMillis.getAsLong();
        if (progress.tokenCount > progress.tenantTokensSampled) {
            out.tenantSample(TenantSample.tokens(progress.tenant, id, progress.tokenCount
                    - progress.tenantTokensSampled, now));
            progress.tenantTokensSampled = progress.tokenCount;
        }
        if (progress.state.isTerminal() && !progress.tenantEndSampled) {
            out.tenantSample(TenantSample.ended(progress.tenant, id, now));
            progress.tenantEndSampled = true;
        }
    }

    /** The processor's wall clock, epoch microseconds. */
    long nowMicros() {
        return clockMillis.getAsLong() * 1000;
    }
}
