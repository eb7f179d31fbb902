package dev.tokenstream.processor.streams;

import dev.tokenstream.events.Buffering;
import dev.tokenstream.events.ControlAction;
import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.ErrorInfo;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.events.Merge;
import dev.tokenstream.events.ModelSample;
import dev.tokenstream.events.StreamState;
import dev.tokenstream.events.StreamStats;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.TokenEventKind;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.HdrHistogram.IntCountsHistogram;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The per-stream state machine of docs/design.md: {@code REQUESTED -> STARTED -> (PAUSED <-> STARTED)* -> COMPLETED |
 * FAILED | CANCELLED}. Reads decoded token events and control commands keyed by stream id; writes delivery
 * frames (each with the next delivery seq) and stream statistics.
 * <ul>
 *   <li>Token events whose seq was already seen are dropped, so at-least-once input gives exactly-once frames.</li>
 *   <li>While paused, token events are held in the {@link StreamTopology#PAUSE_BUFFER_STORE} and nothing is
 *   forwarded; resume flushes them in order, then the stream goes on live.</li>
 *   <li>Cancel ends delivery at once with a cancelled frame and drops held tokens; a later cancelled event from
 *   ingest only adds the usage known upstream to the statistics.</li>
 *   <li>Tokens are coalesced into frames by the stream's buffering policy (the request's, else the configured
 *   default); pause, cancel and the terminal frame flush what waits first. Reasoning and tool-call events become
 *   {@code reasoning} and {@code tool_call} frames one for one, after the pending text; they are held while
 *   paused like tokens, and do not count as output tokens in the statistics.</li>
 *   <li>A stream with no event from ingest for the stall timeout while started or paused fails with reason
 *   {@code stalled}, and a cancel command goes to the control topic so ingest closes the upstream call; the state of a finished stream is dropped after the retention (wall-clock sweep).</li>
 *   <li>A command that does not fit the state (resume of a running stream, anything after the end) is
 *   rejected: logged with the reason, and no frame is written.</li>
 * </ul>
 */
final class StreamStateMachine implements Processor<String, StreamInput, String, Object>, MergeGroups.Outputs {

    private static final Logger LOG = Logger.getLogger(StreamStateMachine.class);

    private final StreamTopology.Settings settings;
    private final StreamMetrics metrics;
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, StreamProgress> states;
    /**
     * The ids of this task's started or paused streams, kept beside the store so the sweep reads only those (the
     * store also keeps every finished stream for {@code retainTerminal}); rebuilt from the store at init.
     */
    private final Set<String> running = new HashSet<>();
    private KeyValueStore<String, TokenEvent> held;
    /** Window-mode streams with pending text; rebuilt by the next token after a restart. */
    private final Set<String> windowed = new LinkedHashSet<>();
    private MergeGroups groups;
    /**
     * Inter-token histograms of this task's running streams, decoded: compressing a histogram for every token
     * cost more than the rest of the token's processing. Written back into the stored progress with every
     * statistics record (every {@code stats-every-tokens} tokens and every change of state), so a restart loses
     * at most that many gaps of a stream's ITL, never a token.
     */
    private final Map<String, IntCountsHistogram> itl = new HashMap<>();
    /** Frames of merge group members made since they were last handed to {@link #groups}. */
    private final List<DeliveryFrame> memberFrames = new ArrayList<>();

    StreamStateMachine(StreamTopology.Settings settings, StreamMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.states = context.getStateStore(StreamTopology.STATE_STORE);
        this.held = context.getStateStore(StreamTopology.PAUSE_BUFFER_STORE);
        this.groups = new MergeGroups(context.getStateStore(StreamTopology.GROUP_STORE), this);
        try (KeyValueIterator<String, StreamProgress> all = states.all()) {
            all.forEachRemaining(kv -> {
                if (isRunning(kv.value)) {
                    running.add(kv.key);
                }
            });
        }
        context.schedule(settings.sweepInterval(), PunctuationType.WALL_CLOCK_TIME, this::sweep);
        Duration expiryInterval = settings.retainTerminal().dividedBy(12);
        context.schedule(expiryInterval.compareTo(settings.sweepInterval()) > 0 ? expiryInterval
                : settings.sweepInterval(), PunctuationType.WALL_CLOCK_TIME, this::expire);
        context.schedule(settings.windowTick(), PunctuationType.WALL_CLOCK_TIME, now -> {
            flushDueWindows(now);
            groups.checkFirstTokenTimeouts();
            dispatchMemberFrames();
        });
    }

    /**
     * Fails streams that went silent (started or paused, no event from ingest for the stall timeout), so no
     * stream stays open forever, and counts the running ones. Reads only the running streams' state.
     */
    private void sweep(long nowMillis) {
        List<String> stalled = new ArrayList<>();
        int active = 0;
        for (String id : running) {
            StreamProgress progress = states.get(id);
            if (progress != null && nowMillis - progress.lastActivityMillis > settings.stallTimeout().toMillis()) {
                stalled.add(id);
            } else if (progress != null) {
                active++;
            }
        }
        metrics.active(this, active);
        for (String id : stalled) {
            StreamProgress progress = states.get(id);
            if (progress.state == StreamState.PAUSED) {
                addPausedTime(progress, nowMicros());
                dropHeld(id, progress);
            }
            var error = new ErrorInfo("stalled", "no event from the provider for "
                    + settings.stallTimeout().toSeconds() + " s", true);
            end(id, progress, TokenEvent.failed(id, progress.lastEventSeq + 1, error, null, nowMicros()));
            save(id, progress);
            // Ingest may still hold the upstream call (a provider slower than the timeout): close it.
            context.forward(new Record<>(Merge.partitionKey(id), (Object) new ControlCommand("stalled-" + id, id,
                    ControlAction.CANCEL, nowMicros()), nowMillis), StreamTopology.CONTROL_SINK);
            LOG.warnf("stream %s failed: stalled after %d tokens", id, progress.tokenCount);
        }
        dispatchMemberFrames();
    }

    /**
     * Drops the state of streams that ended more than the retention ago (and of expired merge groups): a pass over
     * the whole store, every twelfth of the retention.
     */
    private void expire(long nowMillis) {
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, StreamProgress> all = states.all()) {
            all.forEachRemaining(kv -> {
                if (kv.value.state.isTerminal()
                        && nowMillis - kv.value.lastActivityMillis > settings.retainTerminal().toMillis()) {
                    expired.add(kv.key);
                }
            });
        }
        expired.forEach(id -> {
            states.delete(id);
            itl.remove(id);
        });
        groups.expire(nowMillis, settings.retainTerminal().toMillis());
    }

    private static boolean isRunning(StreamProgress progress) {
        return progress.state == StreamState.STARTED || progress.state == StreamState.PAUSED;
    }

    /** Writes a stream's state, and keeps {@link #running} in step. */
    private void save(String id, StreamProgress progress) {
        states.put(id, progress);
        if (isRunning(progress)) {
            running.add(id);
        } else {
            running.remove(id);
        }
    }

    @Override
    public void process(Record<String, StreamInput> record) {
        String id = record.key();
        if (record.value() instanceof StreamInput.Request request) {
            if (request.request().merge() != null) {
                groups.register(request.request().merge(), request.request().acceptedAtMicros(), states::get);
            }
            return;
        }
        if (record.value() instanceof StreamInput.Control control && groups.isGroup(id)) {
            groups.onCommand(id, control.command());
            dispatchMemberFrames();
            return;
        }
        StreamProgress progress = states.get(id);
        if (progress == null) {
            progress = new StreamProgress();
            progress.lastActivityMillis = context.currentSystemTimeMs();
        }
        boolean changed;
        if (record.value() instanceof StreamInput.Token token) {
            changed = onTokenEvent(id, progress, token.event());
        } else if (record.value() instanceof StreamInput.Control control) {
            changed = onCommand(id, progress, control.command());
        } else {
            throw new IllegalArgumentException("unexpected input " + record.value());
        }
        if (changed) {
            save(id, progress);
        }
        dispatchMemberFrames();
    }

    /** Hands the frames merge group members made to their groups, once the members' state is stored. */
    private void dispatchMemberFrames() {
        while (!memberFrames.isEmpty()) {
            List<DeliveryFrame> frames = new ArrayList<>(memberFrames);
            memberFrames.clear();
            for (DeliveryFrame frame : frames) {
                groups.onMemberFrame(frame, states.get(frame.streamId()));
            }
        }
    }

    @Override
    public void deliver(DeliveryFrame frame) {
        context.forward(new Record<>(frame.streamId(), (Object) frame, context.currentSystemTimeMs()),
                StreamTopology.DELIVERIES_SINK);
    }

    @Override
    public void cancelMember(String memberId) {
        context.forward(new Record<>(Merge.partitionKey(memberId), (Object) new ControlCommand("merge-" + memberId,
                memberId, ControlAction.CANCEL, nowMicros()), context.currentSystemTimeMs()),
                StreamTopology.CONTROL_SINK);
    }

    @Override
    public void commandMember(String memberId, ControlCommand command) {
        StreamProgress progress = states.get(memberId);
        if (progress == null) {
            progress = new StreamProgress();
            progress.lastActivityMillis = context.currentSystemTimeMs();
        }
        if (onCommand(memberId, progress, command)) {
            save(memberId, progress);
        }
    }

    @Override
    public void publishStats(StreamStats stats) {
        context.forward(new Record<>(stats.streamId(), (Object) stats, context.currentSystemTimeMs()),
                StreamTopology.STATS_SINK);
    }

    private boolean onTokenEvent(String id, StreamProgress progress, TokenEvent event) {
        if (event.seq() <= progress.lastEventSeq) {
            LOG.debugf("stream %s: duplicate token event %d dropped", id, event.seq());
            return false;
        }
        if (event.seq() != progress.lastEventSeq + 1) {
            LOG.warnf("stream %s: token events %d to %d missing", id, progress.lastEventSeq + 1, event.seq() - 1);
        }
        progress.lastEventSeq = event.seq();
        progress.lastActivityMillis = context.currentSystemTimeMs();
        if (progress.state.isTerminal()) {
            // Ingest's own cancelled (or late) event: no frame after the end, but its usage counts.
            if (event.usage() != null) {
                progress.usage = event.usage();
                publishStats(id, progress);
            }
            return true;
        }
        if (progress.state == StreamState.PAUSED) {
            held.put(heldKey(id, event.seq()), event);
            progress.heldEvents++;
            return true;
        }
        apply(id, progress, event);
        return true;
    }

    private void apply(String id, StreamProgress progress, TokenEvent event) {
        switch (event.kind()) {
            case STARTED -> {
                progress.started = true;
                progress.state = StreamState.STARTED;
                progress.provider = event.provider();
                progress.model = event.model();
                progress.acceptedAtMicros = event.acceptedAtMicros();
                progress.upstreamRequestAtMicros = event.upstreamRequestAtMicros();
                progress.buffering = event.buffering();
                metrics.started(progress.provider, progress.model);
                sample(progress, ModelSample.started(progress.provider, progress.model));
                frame(id, DeliveryFrame.of(FrameType.STARTED, id, progress.nextDeliverySeq(), nowMicros()));
                publishStats(id, progress);
            }
            case TOKEN -> {
                if (!progress.started) {
                    progress.started = true;
                    progress.state = StreamState.STARTED;
                }
                recordToken(id, progress, event.emittedAtMicros());
                coalesce(id, progress, event);
                if (progress.tokenCount % settings.statsEveryTokens() == 0) {
                    publishStats(id, progress);
                }
            }
            case REASONING, TOOL_CALL_DELTA, TOOL_CALL -> {
                if (!progress.started) {
                    progress.started = true;
                    progress.state = StreamState.STARTED;
                }
                // Not answer text: never coalesced with it, and in order with it.
                flushPending(id, progress);
                frame(id, event.kind() == TokenEventKind.REASONING
                        ? DeliveryFrame.reasoning(id, progress.nextDeliverySeq(), event.text(), event.emittedAtMicros())
                        : DeliveryFrame.toolCall(id, progress.nextDeliverySeq(), event.toolCall(),
                                event.emittedAtMicros()));
            }
            case COMPLETED, FAILED, CANCELLED -> end(id, progress, event);
            default -> throw new IllegalArgumentException("unknown token event kind " + event.kind());
        }
    }

    /** Counts a token in the stream's statistics and in the metrics. */
    private void recordToken(String id, StreamProgress progress, long emittedAtMicros) {
        Long previous = progress.lastTokenAtMicros;
        StreamStatistics.recordToken(progress, emittedAtMicros,
                itl.computeIfAbsent(id, k -> StreamStatistics.decode(progress.itlHistogram)));
        if (previous != null) {
            metrics.nextToken(progress.provider, progress.model, Math.max(0, emittedAtMicros - previous));
        } else if (progress.acceptedAtMicros != null) {
            long ttftMicros = Math.max(0, emittedAtMicros - progress.acceptedAtMicros);
            metrics.firstToken(progress.provider, progress.model, ttftMicros);
            sample(progress, ModelSample.firstToken(progress.provider, progress.model, ttftMicros / 1000.0));
        }
    }

    /** A stream ended: its metrics and its model's sample. */
    private void ended(StreamProgress progress, StreamStats stats) {
        metrics.ended(progress.provider, progress.model, progress.state, stats.tokensPerSecond());
        sample(progress, ModelSample.ended(progress.provider, progress.model, progress.state,
                stats.tokensPerSecond(), progress.tokenCount, progress.itlHistogram));
    }

    /** Writes a sample for the stream's model's windowed statistics (streams whose model is known). */
    private void sample(StreamProgress progress, ModelSample sample) {
        if (progress.provider != null && progress.model != null) {
            context.forward(new Record<>(ModelSample.key(progress.provider, progress.model), (Object) sample,
                    context.currentSystemTimeMs()), StreamTopology.MODEL_SAMPLES_SINK);
        }
    }

    @Override
    public void close() {
        metrics.closed(this);
    }

    private void end(String id, StreamProgress progress, TokenEvent event) {
        flushPending(id, progress);
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
        progress.lastActivityMillis = context.currentSystemTimeMs();
        frame(id, new DeliveryFrame(type, id, progress.nextDeliverySeq(), null, nowMicros(), progress.finishReason,
                event.usage(), event.error()));
        ended(progress, publishStats(id, progress));
    }

    private boolean onCommand(String id, StreamProgress progress, ControlCommand command) {
        if (!progress.state.allows(command.action())) {
            return reject(id, progress, command);
        }
        switch (command.action()) {
            case PAUSE -> {
                flushPending(id, progress);
                progress.state = progress.state.after(command.action(), progress.started);
                progress.pausedAtMicros = command.issuedAtMicros();
                frame(id, DeliveryFrame.of(FrameType.PAUSED, id, progress.nextDeliverySeq(), nowMicros()));
                LOG.infof("stream %s paused after %d tokens", id, progress.tokenCount);
            }
            case RESUME -> {
                addPausedTime(progress, command.issuedAtMicros());
                progress.state = progress.state.after(command.action(), progress.started);
                frame(id, DeliveryFrame.of(FrameType.RESUMED, id, progress.nextDeliverySeq(), nowMicros()));
                int flushed = flushHeld(id, progress);
                LOG.infof("stream %s resumed: %d held events flushed", id, flushed);
            }
            case CANCEL -> {
                if (progress.state == StreamState.PAUSED) {
                    addPausedTime(progress, command.issuedAtMicros());
                    dropHeld(id, progress);
                }
                flushPending(id, progress);
                progress.state = progress.state.after(command.action(), progress.started);
                progress.finishReason = "cancelled";
                progress.endedAtMicros = command.issuedAtMicros();
                progress.lastActivityMillis = context.currentSystemTimeMs();
                frame(id, new DeliveryFrame(FrameType.CANCELLED, id, progress.nextDeliverySeq(), null, nowMicros(),
                        "cancelled", null, null));
                LOG.infof("stream %s cancelled after %d tokens", id, progress.tokenCount);
            }
            default -> throw new IllegalArgumentException("unknown action " + command.action());
        }
        StreamStats stats = publishStats(id, progress);
        if (progress.state == StreamState.CANCELLED) {
            ended(progress, stats);
        }
        return true;
    }

    private boolean reject(String id, StreamProgress progress, ControlCommand command) {
        LOG.infof("stream %s: %s rejected in state %s (command %s)", id, command.action(), progress.state,
                command.commandId());
        return false;
    }

    private int flushHeld(String id, StreamProgress progress) {
        List<TokenEvent> events = new ArrayList<>();
        try (KeyValueIterator<String, TokenEvent> it = held.prefixScan(id + "/", Serdes.String().serializer())) {
            it.forEachRemaining(kv -> events.add(kv.value));
        }
        for (TokenEvent event : events) {
            held.delete(heldKey(id, event.seq()));
            if (!progress.state.isTerminal()) {
                apply(id, progress, event);
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

    /**
     * Adds a token to the stream's pending text and writes a token frame when its buffering policy says so
     * (each token for NONE; see {@link Buffering.Mode}). Window mode is flushed by {@link #flushDueWindows}.
     */
    private void coalesce(String id, StreamProgress progress, TokenEvent event) {
        Buffering buffering = progress.buffering != null ? progress.buffering : settings.defaultBuffering();
        String text = event.text() == null ? "" : event.text();
        if (buffering.mode() == Buffering.Mode.WORDS && progress.pendingTokens > 0 && !text.isEmpty()
                && Character.isWhitespace(text.charAt(0))) {
            flushPending(id, progress);
        }
        if (progress.pendingTokens == 0) {
            progress.pendingSinceMillis = context.currentSystemTimeMs();
        }
        progress.pendingText += text;
        progress.pendingTokens++;
        progress.pendingEmittedAtMicros = event.emittedAtMicros();
        int size = buffering.size() == null ? 1 : buffering.size();
        boolean flush = switch (buffering.mode()) {
            case NONE -> true;
            case TOKENS -> progress.pendingTokens >= size;
            case CHARACTERS -> progress.pendingText.length() >= size;
            case WORDS -> !text.isEmpty() && Character.isWhitespace(text.charAt(text.length() - 1));
            case SENTENCES -> endsSentence(text);
            case WINDOW -> false;
        };
        if (flush) {
            flushPending(id, progress);
        } else if (buffering.mode() == Buffering.Mode.WINDOW) {
            windowed.add(id);
        }
    }

    private static boolean endsSentence(String text) {
        String trimmed = text.stripTrailing();
        return text.indexOf('\n') >= 0 || (!trimmed.isEmpty() && ".!?".indexOf(trimmed.charAt(trimmed.length() - 1)) >= 0);
    }

    /** Writes the pending text, if any, as one token frame. */
    private void flushPending(String id, StreamProgress progress) {
        if (progress.pendingTokens == 0) {
            return;
        }
        frame(id, DeliveryFrame.tokens(id, progress.nextDeliverySeq(), progress.pendingText, progress.pendingTokens,
                progress.pendingEmittedAtMicros));
        progress.pendingText = "";
        progress.pendingTokens = 0;
    }

    /** Flushes window-mode streams whose window is over. */
    private void flushDueWindows(long nowMillis) {
        for (var it = windowed.iterator(); it.hasNext();) {
            String id = it.next();
            StreamProgress progress = states.get(id);
            if (progress == null || progress.pendingTokens == 0) {
                it.remove();
                continue;
            }
            Buffering buffering = progress.buffering != null ? progress.buffering : settings.defaultBuffering();
            if (nowMillis - progress.pendingSinceMillis >= buffering.size()) {
                flushPending(id, progress);
                save(id, progress);
                it.remove();
            }
        }
    }

    /** Key of a held event: zero-padded seq, so a prefix scan returns a stream's events in order. */
    static String heldKey(String streamId, long seq) {
        return streamId + "/" + String.format("%019d", seq);
    }

    /** A stream's frame goes to the deliveries topic; a merge group member's to its group. */
    private void frame(String id, DeliveryFrame frame) {
        if (Merge.groupOf(id).isPresent()) {
            memberFrames.add(frame);
        } else {
            deliver(frame);
        }
    }

    private StreamStats publishStats(String id, StreamProgress progress) {
        IntCountsHistogram histogram = progress.state.isTerminal() ? itl.remove(id) : itl.get(id);
        if (histogram != null) {
            StreamStatistics.store(progress, histogram);
        }
        StreamStats stats = StreamStatistics.of(id, progress, nowMicros());
        publishStats(stats);
        return stats;
    }

    /** The processor's wall clock (the test driver's mock clock in topology tests), epoch microseconds. */
    @Override
    public long nowMicros() {
        return context.currentSystemTimeMs() * 1000;
    }
}
