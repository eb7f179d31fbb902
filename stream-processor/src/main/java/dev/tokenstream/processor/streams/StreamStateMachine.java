package dev.tokenstream.processor.streams;

import dev.tokenstream.events.TenantSample;
import dev.tokenstream.events.ControlAction;
import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.ErrorInfo;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.Merge;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.DeliveryFrameRecords;
import dev.tokenstream.events.serde.JsonRecords;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The per-stream state machine of docs/design.md as a Kafka Streams processor: {@code REQUESTED -> STARTED ->
 * (PAUSED <-> STARTED)* -> COMPLETED | FAILED | CANCELLED}. Reads decoded token events, control commands and
 * requests keyed by stream id (a merge group's by the group's id); writes delivery frames, stream statistics, model
 * samples and cancel commands. The work is split by concern:
 * <ul>
 *   <li>{@link StreamTransitions}: what a token event or a command does to one stream (dedupe, pause buffer,
 *   coalescing through a {@link Coalescer}, statistics);</li>
 *   <li>{@link MergeGroups}: a group's frames made from its members';</li>
 *   <li>{@link Sweeper}: which running streams stalled (failed as {@code stalled}, with a cancel on the control topic
 *   so ingest closes the upstream call if it still holds one) and which finished ones are past the retention.</li>
 * </ul>
 * Each input is handled into one {@link Emissions}: the member commands and member frames it holds are applied
 * (by {@link #drain}) before its records are forwarded, in the order they were made.
 */
final class StreamStateMachine implements Processor<String, StreamInput, String, Object> {

    private static final Logger LOG = Logger.getLogger(StreamStateMachine.class);

    private final StreamTopology.Settings settings;
    private final StreamMetrics metrics;
    private ProcessorContext<String, Object> context;
    private DecodedStates states;
    private StreamTransitions transitions;
    private MergeGroups groups;
    private Sweeper sweeper;
    private StoppedThreadCheck stopped;

    StreamStateMachine(StreamTopology.Settings settings, StreamMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        WriteBehindStore store = WriteBehindStore.of(context.getStateStore(StreamTopology.STATE_STORE));
        this.states = new DecodedStates(store);
        this.transitions = new StreamTransitions(settings, metrics,
                context.getStateStore(StreamTopology.PAUSE_BUFFER_STORE), context::currentSystemTimeMs);
        this.groups = new MergeGroups(context.getStateStore(StreamTopology.GROUP_STORE), transitions::nowMicros);
        this.sweeper = new Sweeper(store, states::get, settings);
        StoppedThreadCheck.WATCH.start();
        List<FencedStore<?, ?>> fenced = List.of(store, FencedStore.of(context.getStateStore(
                StreamTopology.PAUSE_BUFFER_STORE), FencedStore.class), FencedStore.of(context.getStateStore(
                StreamTopology.GROUP_STORE), FencedStore.class));
        this.stopped = new StoppedThreadCheck(StoppedThreadCheck.sessionTimeout(context.appConfigs()),
                StoppedThreadCheck.WATCH, () -> {
                    // A fenced task writes nothing it held: Kafka Streams flushes caches even when closing dirty.
                    states.clear();
                    fenced.forEach(FencedStore::clearCache);
                });
        fenced.forEach(fencedStore -> fencedStore.fenceWith(stopped, context.taskId()));
        // Every wall-clock punctuation first asks whether the thread stood still (a hung process woken up): its
        // timers, a stall or a due window, would act on a stale state.
        context.schedule(settings.timers().sweepInterval(), PunctuationType.WALL_CLOCK_TIME, now -> {
            stopped.tick(context.taskId());
            sweep(now);
        });
        Duration expiryInterval = settings.bounds().retainTerminal().dividedBy(12);
        context.schedule(expiryInterval.compareTo(settings.timers().sweepInterval()) > 0 ? expiryInterval
                : settings.timers().sweepInterval(), PunctuationType.WALL_CLOCK_TIME, now -> {
                    stopped.tick(context.taskId());
                    expire(now);
                });
        context.schedule(settings.timers().windowTick(), PunctuationType.WALL_CLOCK_TIME, now -> {
            stopped.tick(context.taskId());
            var out = new Emissions();
            transitions.flushDueWindows(now, states::get, this::save, out);
            groups.checkFirstTokenTimeouts(out);
            drain(out);
        });
    }

    @Override
    public void process(Record<String, StreamInput> record) {
        stopped.check(context.taskId());
        try {
            handle(record);
        } catch (RuntimeException e) {
            // The dead-letter handler may let processing go on: no state changed half-way may stay decoded.
            states.clear();
            throw e;
        }
    }

    private void handle(Record<String, StreamInput> record) {
        String id = record.key();
        var out = new Emissions();
        StreamInput input = record.value();
        if (input instanceof StreamInput.Tokens tokens) {
            handleTokens(tokens.events());
            return;
        }
        if (input instanceof StreamInput.Request request) {
            String streamId = request.request().streamId();
            StreamProgress known = states.get(streamId);
            String tenant = request.request().tenant();
            if (known == null || known.tenant().tenant() == null && tenant != null) {
                // REQUESTED from now: the start deadline counts from here. Its tenant answers queries from now.
                StreamProgress progress = known == null ? load(streamId) : known;
                progress.tenant().tenant(tenant);
                save(streamId, progress);
                if (tenant != null) {
                    out.tenantSample(TenantSample.requested(tenant, streamId, context.currentSystemTimeMs()));
                }
            }
            if (request.request().merge() != null) {
                groups.register(request.request().merge(), request.request().acceptedAtMicros(),
                        request.request().tenant(), states::get, out);
            }
        } else if (input instanceof StreamInput.Control control && groups.isGroup(id)) {
            groups.onCommand(id, control.command(), out);
        } else if (input instanceof StreamInput.Control control) {
            command(id, control.command(), out);
        } else if (input instanceof StreamInput.Token token) {
            tokenEvent(token.event(), out);
        } else {
            throw new IllegalArgumentException("unexpected input " + input);
        }
        drain(out);
    }

    private void tokenEvent(TokenEvent event, Emissions out) {
        String id = event.streamId();
        StreamProgress progress = load(id);
        if (transitions.onTokenEvent(id, progress, event, out)) {
            save(id, progress);
        } else {
            states.forget(id);
        }
    }

    /**
     * The events of one record of several streams, each handled on its own: one that throws is dead-lettered (its
     * event's JSON, with why) and its neighbours go on, as they would in records of their own. Their frames are
     * written together, {@link DeliveryFrameRecords#MAX_FRAMES} at most a record; the rest one record each.
     */
    private void handleTokens(List<TokenEvent> events) {
        List<Emissions.Emission> records = new ArrayList<>();
        for (TokenEvent event : events) {
            var out = new Emissions();
            try {
                tokenEvent(event, out);
                settle(out);
            } catch (RuntimeException e) {
                states.clear();
                LOG.errorf(e, "processing the event %d of stream %s failed; it goes to the dead letters",
                        event.seq(), event.streamId());
                deadLetter(event, e);
                continue;
            }
            records.addAll(out.records());
        }
        forward(records, true);
    }

    private void deadLetter(TokenEvent event, RuntimeException failure) {
        String origin = context.recordMetadata().map(m -> m.topic() + "/" + m.partition() + "@" + m.offset())
                .orElse("unknown");
        var dead = new Record<String, Object>(Merge.partitionKey(event.streamId()), JsonRecords.encode(event),
                context.currentSystemTimeMs());
        dead.headers().add(Topics.DLQ_HEADER_ERROR, String.valueOf(failure).getBytes(StandardCharsets.UTF_8));
        dead.headers().add(Topics.DLQ_HEADER_ORIGIN, origin.getBytes(StandardCharsets.UTF_8));
        context.forward(dead, StreamTopology.DLQ_SINK);
        metrics.deadLettered(context.recordMetadata().map(RecordMetadata::topic).orElse(null));
    }

    /**
     * Fails open streams past a bound (started and silent past the stall timeout, paused past the longest pause,
     * requested and not started by the deadline), so no stream stays open forever, and counts the active ones.
     * Reads only the open streams' state. A cancel goes to the control topic for each, so ingest closes the upstream
     * call if it still holds one (a provider slower than the timeout, an upstream still generating for a paused
     * client) or drops a request it has not taken yet.
     */
    private void sweep(long nowMillis) {
        Sweeper.Sweep sweep = sweeper.sweep(nowMillis);
        metrics.active(this, sweep.active());
        var out = new Emissions();
        sweep.stalled().forEach(id -> fail(id, new ErrorInfo("stalled", "no event from the provider for "
                + settings.bounds().stallTimeout().toSeconds() + " s", true), out));
        sweep.pauseExpired().forEach(id -> fail(id, new ErrorInfo("pause_expired", "paused for longer than "
                + settings.bounds().maxPause().toMinutes() + " min; the tokens stay replayable", false), out));
        sweep.notStarted().forEach(id -> fail(id, new ErrorInfo("not_started", "no ingest instance started the "
                + "stream within " + settings.bounds().startDeadline().toSeconds() + " s", true), out));
        drain(out);
    }

    private void fail(String id, ErrorInfo error, Emissions out) {
        StreamProgress progress = states.get(id);
        transitions.fail(id, progress, error, out);
        save(id, progress);
        out.command(new ControlCommand(error.code() + "-" + id, id, ControlAction.CANCEL, transitions.nowMicros()));
        LOG.warnf("stream %s failed: %s after %d tokens", id, error.code(), progress.statistics().tokenCount());
    }

    /** Drops the state of streams (and merge groups) that ended more than the retention ago. */
    private void expire(long nowMillis) {
        sweeper.expired(nowMillis).forEach(id -> {
            states.delete(id);
            transitions.forget(id);
        });
        groups.expire(nowMillis, settings.bounds().retainTerminal().toMillis());
    }

    private void command(String id, ControlCommand command, Emissions out) {
        StreamProgress progress = load(id);
        if (transitions.onCommand(id, progress, command, out)) {
            save(id, progress);
        } else {
            states.forget(id);
        }
    }

    /**
     * Applies what a merge group handed back to its members (their share of the group's commands), hands the
     * frames the members made to their groups, until neither is left; then forwards every record, in order.
     */
    private void drain(Emissions out) {
        settle(out);
        forward(out.records(), false);
    }

    /** Applies the member commands and hands the member frames to their groups, until neither is left. */
    private void settle(Emissions out) {
        while (true) {
            ControlCommand memberCommand = out.nextMemberCommand();
            if (memberCommand != null) {
                command(memberCommand.streamId(), memberCommand, out);
                continue;
            }
            Emissions.MemberFrame memberFrame = out.nextMemberFrame();
            if (memberFrame == null) {
                break;
            }
            groups.onMemberFrame(memberFrame.frame(), memberFrame.progress(), out);
        }
    }

    /**
     * Forwards the records to their sinks, in order.
     *
     * @param together whether the frames go as records of several ({@link DeliveryFrameRecords}), else one each
     */
    private void forward(List<Emissions.Emission> records, boolean together) {
        long timestamp = context.currentSystemTimeMs();
        List<DeliveryFrame> frames = new ArrayList<>();
        for (Emissions.Emission emission : records) {
            if (emission instanceof Emissions.Frame frame && together) {
                frames.add(frame.frame());
            } else if (emission instanceof Emissions.Frame frame) {
                context.forward(new Record<>(frame.frame().streamId(), (Object) frame.frame(), timestamp),
                        StreamTopology.DELIVERIES_SINK);
            } else if (emission instanceof Emissions.Stats stats) {
                context.forward(new Record<>(stats.stats().streamId(), (Object) stats.stats(), timestamp),
                        StreamTopology.STATS_SINK);
            } else if (emission instanceof Emissions.Command command) {
                context.forward(new Record<>(Merge.partitionKey(command.command().streamId()),
                        (Object) command.command(), timestamp), StreamTopology.CONTROL_SINK);
            } else if (emission instanceof Emissions.Sample sample) {
                context.forward(new Record<>(sample.key(), (Object) sample.sample(), timestamp),
                        StreamTopology.MODEL_SAMPLES_SINK);
            } else if (emission instanceof Emissions.TenantUse use) {
                context.forward(new Record<>(use.sample().tenant(), (Object) use.sample(), timestamp),
                        StreamTopology.TENANT_SAMPLES_SINK);
            }
        }
        for (int from = 0; from < frames.size(); from += DeliveryFrameRecords.MAX_FRAMES) {
            List<DeliveryFrame> chunk = frames.subList(from, Math.min(frames.size(),
                    from + DeliveryFrameRecords.MAX_FRAMES));
            context.forward(chunk.size() == 1
                    ? new Record<>(chunk.get(0).streamId(), (Object) chunk.get(0), timestamp)
                    : new Record<>(null, (Object) List.copyOf(chunk), timestamp), StreamTopology.DELIVERIES_SINK);
        }
    }

    private StreamProgress load(String id) {
        StreamProgress progress = states.get(id);
        return progress != null ? progress : StreamProgress.requested(context.currentSystemTimeMs());
    }

    /** Writes a stream's state, and keeps the sweeper's running set in step. */
    private void save(String id, StreamProgress progress) {
        states.put(id, progress);
        sweeper.track(id, progress);
    }

    @Override
    public void close() {
        stopped.close();
        metrics.closed(this);
    }

}
