package dev.tokenstream.processor.streams;

import dev.tokenstream.events.ControlAction;
import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.ErrorInfo;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.StreamStats;
import dev.tokenstream.events.TokenEventKind;
import dev.tokenstream.events.TokenEvent;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * What a token event or a control command does to one stream ({@link StreamProgress}), and what it produces:
 * frames with the next delivery seq, statistics, samples, all into an {@link Emissions}. A dispatcher over the
 * state's parts, each of which changes its own fields:
 * <ul>
 *   <li>{@link Lifecycle} fences attempts and drops duplicates, so at-least-once input gives exactly-once frames;
 *   a hole in the seqs fails the stream as {@code data_loss}; a newer attempt replaces an older one before any
 *   content and fails the stream as {@code interrupted} after it.</li>
 *   <li>{@link PauseBuffer} holds events while paused; resume releases them in order, then the stream goes on
 *   live. Cancel ends delivery at once with a cancelled frame and drops held events; a later cancelled event from
 *   ingest only adds the usage known upstream to the statistics.</li>
 *   <li>{@link PendingFrame} coalesces tokens into frames by the stream's {@link Coalescer}; pause, cancel and the
 *   terminal frame flush what waits first. Reasoning and tool-call events become {@code reasoning} and
 *   {@code tool_call} frames one for one, after the pending text; they are held while paused like tokens, and do
 *   not count as output tokens.</li>
 *   <li>{@link StreamStatisticsStep} counts tokens and publishes statistics and samples.</li>
 *   <li>A command that does not fit the state ({@link StreamState#allows}) is rejected: logged with the reason,
 *   and no frame is written.</li>
 * </ul>
 */
final class StreamTransitions {

    private static final Logger LOG = Logger.getLogger(StreamTransitions.class);

    /**
     * Window mode: how long after its window a frame waits by the wall clock for tokens still in transit before it
     * goes out without them. A window's frame holds the tokens emitted (by ingest's clock) within the window from its
     * first token's, decided when the first token of the next window arrives, so reprocessing after a crash makes
     * the same frames; only the last window before a silence goes out by the wall clock, after this grace.
     */
    static final long WINDOW_GRACE_MILLIS = 250;

    private final StreamTopology.Settings settings;
    private final PauseBuffer pauseBuffer;
    private final StreamStatisticsStep statistics;
    private final LongSupplier clockMillis;
    /** Window-mode streams with pending text; rebuilt by the next token after a restart. */
    private final Set<String> windowed = new LinkedHashSet<>();

    /**
     * @param held        the pause buffer store
     * @param clockMillis the processor's wall clock (the test driver's mock clock in topology tests), epoch ms
     */
    StreamTransitions(StreamTopology.Settings settings, StreamMetrics metrics, KeyValueStore<String, TokenEvent> held,
                      LongSupplier clockMillis) {
        this.settings = settings;
        this.pauseBuffer = new PauseBuffer(held);
        this.statistics = new StreamStatisticsStep(metrics, clockMillis);
        this.clockMillis = clockMillis;
    }

    /**
     * A token event from ingest.
     *
     * @return whether the stream's state changed (and must be stored)
     */
    boolean onTokenEvent(String id, StreamProgress progress, TokenEvent event, Emissions out) {
        Lifecycle lifecycle = progress.lifecycle();
        switch (lifecycle.admit(event)) {
            case SUPERSEDED -> {
                LOG.debugf("stream %s: event %d of superseded attempt %d dropped", id, event.seq(), event.attempt());
                return false;
            }
            case NEWER_ATTEMPT -> {
                return onNewAttempt(id, progress, event, out);
            }
            case DUPLICATE -> {
                LOG.debugf("stream %s: duplicate token event %d dropped", id, event.seq());
                return false;
            }
            default -> {
                // NEXT or GAP: applied below
            }
        }
        long missingFrom = lifecycle.advance(event, clockMillis.getAsLong());
        if (event.seq() != missingFrom && !lifecycle.isTerminal()) {
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
        if (lifecycle.isTerminal()) {
            // Ingest's own cancelled (or late) event: no frame after the end, but its usage counts.
            if (event.usage() != null) {
                progress.statistics().usage(event.usage());
                statistics.publish(id, progress, out);
            }
            return true;
        }
        lifecycle.countContent(event);
        if (lifecycle.state() == StreamState.PAUSED) {
            pauseBuffer.hold(id, progress.pause(), event);
            return true;
        }
        apply(id, progress, event, out);
        return true;
    }

    /**
     * The first event of a newer attempt at the stream's request (ingest took it again after a crash). A
     * continuation (its started event's seq follows the last event applied: ingest asked the provider to go on from
     * the answer so far) carries on the stream, with a {@code continued} frame. Otherwise, before any content of the
     * older attempt, the newer one replaces it without the client seeing a thing, as a retry before the first token
     * does; after content, it ends the stream as failed with {@code interrupted}: the answer would otherwise be the
     * first part of one generation followed by the rest of another (a continuation that does not follow the last
     * event applied, say after a zombie's later events, is such a case). A finished stream stays finished. Either way
     * that is not a replacement or a continuation, the newer attempt's upstream call is cancelled.
     *
     * @return whether the stream's state changed
     */
    private boolean onNewAttempt(String id, StreamProgress progress, TokenEvent event, Emissions out) {
        Lifecycle lifecycle = progress.lifecycle();
        if (lifecycle.continuedBy(event)) {
            LOG.infof("stream %s: attempt %d continues attempt %d after its event %d", id, event.attempt(),
                    lifecycle.attempt(), lifecycle.lastEventSeq());
            lifecycle.adoptAttempt(event.attempt());
            return onTokenEvent(id, progress, event, out);
        }
        if (!lifecycle.replaceable()) {
            if (event.kind() == TokenEventKind.STARTED) {
                out.command(new ControlCommand("superseded-" + id + "-" + event.attempt(), id, ControlAction.CANCEL,
                        nowMicros()));
            }
            if (lifecycle.isTerminal()) {
                LOG.infof("stream %s: attempt %d after the end ignored", id, event.attempt());
                return false;
            }
            LOG.warnf("stream %s: attempt %d after %d content events of attempt %d; failed as interrupted", id,
                    event.attempt(), lifecycle.contentEvents(), lifecycle.attempt());
            lifecycle.adoptAttempt(event.attempt());
            fail(id, progress, new ErrorInfo("interrupted", "the stream's generation was interrupted after "
                    + progress.statistics().tokenCount() + " tokens were delivered (ingest restarted); start it "
                    + "again", true), out);
            return true;
        }
        LOG.infof("stream %s: attempt %d replaces attempt %d before any content", id, event.attempt(),
                lifecycle.attempt());
        pauseBuffer.drop(id, progress.pause());
        lifecycle.replaceAttempt(event.attempt());
        return onTokenEvent(id, progress, event, out);
    }

    /**
     * A control command.
     *
     * @return whether it applied (the state changed); false when it was rejected
     */
    boolean onCommand(String id, StreamProgress progress, ControlCommand command, Emissions out) {
        Lifecycle lifecycle = progress.lifecycle();
        if (!lifecycle.state().allows(command.action())) {
            LOG.infof("stream %s: %s rejected in state %s (command %s)", id, command.action(), lifecycle.state(),
                    command.commandId());
            return false;
        }
        long tokens = progress.statistics().tokenCount();
        switch (command.action()) {
            case PAUSE -> {
                flushPending(id, progress, out);
                lifecycle.command(command.action(), command.issuedAtMicros(), clockMillis.getAsLong());
                progress.pause().pause(command.issuedAtMicros(), clockMillis.getAsLong());
                out.frame(DeliveryFrame.of(FrameType.PAUSED, id, lifecycle.nextDeliverySeq(), nowMicros()), progress);
                LOG.infof("stream %s paused after %d tokens", id, tokens);
            }
            case RESUME -> {
                progress.pause().unpause(command.issuedAtMicros());
                // The silence while paused was the client's choice: the stall timeout counts from the resume.
                lifecycle.command(command.action(), command.issuedAtMicros(), clockMillis.getAsLong());
                out.frame(DeliveryFrame.of(FrameType.RESUMED, id, lifecycle.nextDeliverySeq(), nowMicros()),
                        progress);
                List<TokenEvent> released = pauseBuffer.release(id, progress.pause());
                for (TokenEvent event : released) {
                    if (!lifecycle.isTerminal()) {
                        apply(id, progress, event, out);
                    }
                }
                LOG.infof("stream %s resumed: %d held events flushed", id, released.size());
            }
            case CANCEL -> {
                if (lifecycle.state() == StreamState.PAUSED) {
                    progress.pause().unpause(command.issuedAtMicros());
                    pauseBuffer.drop(id, progress.pause());
                }
                flushPending(id, progress, out);
                lifecycle.command(command.action(), command.issuedAtMicros(), clockMillis.getAsLong());
                out.frame(new DeliveryFrame(FrameType.CANCELLED, id, lifecycle.nextDeliverySeq(), null, nowMicros(),
                        "cancelled", null, null), progress);
                LOG.infof("stream %s cancelled after %d tokens", id, tokens);
            }
            default -> throw new IllegalArgumentException("unknown action " + command.action());
        }
        StreamStats stats = statistics.publish(id, progress, out);
        if (lifecycle.state() == StreamState.CANCELLED) {
            statistics.ended(progress, stats, out);
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
        if (progress.lifecycle().state() == StreamState.PAUSED) {
            progress.pause().unpause(nowMicros());
            pauseBuffer.drop(id, progress.pause());
        }
        end(id, progress, TokenEvent.failed(id, progress.lifecycle().lastEventSeq() + 1, error, null, nowMicros()),
                out);
    }

    /** Forgets what is kept in memory of a stream whose state was dropped. */
    void forget(String id) {
        statistics.forget(id);
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
            if (progress == null || progress.pending().isEmpty()) {
                it.remove();
                continue;
            }
            if (progress.pending().windowDue(coalescer(progress), nowMillis, WINDOW_GRACE_MILLIS)) {
                flushPending(id, progress, out);
                save.accept(id, progress);
                it.remove();
            }
        }
    }

    private void apply(String id, StreamProgress progress, TokenEvent event, Emissions out) {
        Lifecycle lifecycle = progress.lifecycle();
        switch (event.kind()) {
            case STARTED -> {
                if (lifecycle.started()) {
                    // A newer attempt started again: the client saw its started frame already. A continuation (not
                    // from seq 0) says so, after the text held so far.
                    progress.statistics().upstreamRequested(event.upstreamRequestAtMicros());
                    if (event.seq() > 0) {
                        flushPending(id, progress, out);
                        out.frame(DeliveryFrame.of(FrameType.CONTINUED, id, lifecycle.nextDeliverySeq(), nowMicros()),
                                progress);
                    }
                    return;
                }
                lifecycle.markStarted();
                progress.statistics().started(event);
                progress.tenant().tenant(event.tenant());
                progress.pending().buffering(event.buffering());
                statistics.started(progress, out);
                out.frame(DeliveryFrame.of(FrameType.STARTED, id, lifecycle.nextDeliverySeq(), nowMicros()), progress);
                statistics.publish(id, progress, out);
            }
            case TOKEN -> {
                lifecycle.markStarted();
                long before = progress.statistics().tokenCount();
                // A batch (tokens that queued in ingest) counts and times each token; by default it is one frame.
                List<TokenEvent> singles = event.singles();
                for (int i = 0; i < singles.size(); i++) {
                    TokenEvent single = singles.get(i);
                    statistics.recordToken(id, progress, single.emittedAtMicros(), out);
                    coalesce(id, progress, single, i == singles.size() - 1, out);
                }
                long every = settings.statsEveryTokens();
                if (progress.statistics().tokenCount() / every > before / every) {
                    statistics.publish(id, progress, out);
                }
            }
            case REASONING, TOOL_CALL_DELTA, TOOL_CALL -> {
                lifecycle.markStarted();
                // Not answer text: never coalesced with it, and in order with it.
                flushPending(id, progress, out);
                out.frame(event.kind() == TokenEventKind.REASONING
                        ? DeliveryFrame.reasoning(id, lifecycle.nextDeliverySeq(), event.text(),
                                event.lastEmittedAtMicros())
                        : DeliveryFrame.toolCall(id, lifecycle.nextDeliverySeq(), event.toolCall(),
                                event.emittedAtMicros()), progress);
            }
            case COMPLETED, FAILED, CANCELLED -> end(id, progress, event, out);
            default -> throw new IllegalArgumentException("unknown token event kind " + event.kind());
        }
    }

    private void end(String id, StreamProgress progress, TokenEvent event, Emissions out) {
        flushPending(id, progress, out);
        FrameType type = switch (event.kind()) {
            case COMPLETED -> FrameType.COMPLETED;
            case FAILED -> FrameType.FAILED;
            default -> FrameType.CANCELLED;
        };
        StreamState terminal = switch (event.kind()) {
            case COMPLETED -> StreamState.COMPLETED;
            case FAILED -> StreamState.FAILED;
            default -> StreamState.CANCELLED;
        };
        String finishReason = event.kind() == TokenEventKind.CANCELLED ? "cancelled" : event.finishReason();
        Lifecycle lifecycle = progress.lifecycle();
        lifecycle.end(terminal, finishReason, event.error(), event.emittedAtMicros(), clockMillis.getAsLong());
        progress.statistics().usage(event.usage());
        out.frame(new DeliveryFrame(type, id, lifecycle.nextDeliverySeq(), null, nowMicros(), finishReason,
                event.usage(), event.error()), progress);
        statistics.ended(progress, statistics.publish(id, progress, out), out);
    }

    private Coalescer coalescer(StreamProgress progress) {
        return progress.pending().coalescer(settings.defaultBuffering());
    }

    /**
     * Adds a token to the stream's pending text and writes a token frame when its coalescer says so.
     *
     * @param endOfRecord whether it is the last token of its record (a batch holds several)
     */
    private void coalesce(String id, StreamProgress progress, TokenEvent event, boolean endOfRecord,
                          Emissions out) {
        Coalescer coalescer = coalescer(progress);
        PendingFrame pending = progress.pending();
        String text = event.text() == null ? "" : event.text();
        if (pending.flushesBefore(coalescer, text, event.emittedAtMicros())) {
            flushPending(id, progress, out);
        }
        pending.add(text, event.emittedAtMicros(), clockMillis.getAsLong());
        if (pending.flushesAfter(coalescer, text, endOfRecord)) {
            flushPending(id, progress, out);
        } else if (coalescer.windowMillis() > 0) {
            windowed.add(id);
        }
    }

    /** Writes the pending text, if any, as one token frame. */
    private void flushPending(String id, StreamProgress progress, Emissions out) {
        if (!progress.pending().isEmpty()) {
            out.frame(progress.pending().take(id, progress.lifecycle().nextDeliverySeq()), progress);
        }
    }

    /** The processor's wall clock, epoch microseconds. */
    long nowMicros() {
        return clockMillis.getAsLong() * 1000;
    }
}
