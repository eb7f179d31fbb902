package dev.tokenstream.ingest.provider;

import dev.tokenstream.events.Merge;
import io.quarkus.logging.Log;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import okhttp3.Call;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The upstream calls this instance is running, by stream id, so a cancel command can close one. A cancel for a
 * stream not (yet) running here is remembered for a while, in case its request is still queued. A watchdog
 * checks every {@value #WATCHDOG_MILLIS} ms for calls past their first-token or idle timeout.
 */
@ApplicationScoped
public class ActiveStreams {

    private static final Duration REMEMBER_EARLY_CANCEL = Duration.ofMinutes(10);
    static final long WATCHDOG_MILLIS = 20;

    private final Map<String, UpstreamCall> running = new ConcurrentHashMap<>();
    private final Map<String, Long> cancelledEarly = new ConcurrentHashMap<>();
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "upstream-watchdog");
        thread.setDaemon(true);
        return thread;
    });

    public ActiveStreams() {
        watchdog.scheduleWithFixedDelay(this::checkTimeouts, WATCHDOG_MILLIS, WATCHDOG_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * @param streamId the stream about to call its provider
     * @return the handle of its upstream call, already cancelled when a cancel came first
     */
    public UpstreamCall register(String streamId) {
        var call = new UpstreamCall();
        // A merge group's members may start after their group was cancelled: the group's cancel stays remembered.
        if (cancelledEarly.remove(streamId) != null
                || Merge.groupOf(streamId).map(cancelledEarly::containsKey).orElse(false)) {
            call.cancel();
        }
        running.put(streamId, call);
        return call;
    }

    /** Hands the HTTP exchange the stream's provider client just started to its upstream call. */
    void attach(String streamId, Call httpCall) {
        UpstreamCall call = running.get(streamId);
        if (call != null) {
            call.attach(httpCall);
        }
    }

    /**
     * Whether a stream runs here now.
     *
     * @param streamId the stream
     * @return true while its upstream call is registered
     */
    public boolean isRunning(String streamId) {
        return running.containsKey(streamId);
    }

    /** Forgets a stream whose upstream call ended. */
    public void remove(String streamId) {
        running.remove(streamId);
    }

    /**
     * Cancels the stream's upstream call if it runs here, or the calls of a merge group's members when
     * {@code streamId} is a group's; otherwise remembers the cancel for a queued request.
     *
     * @return true when a running call was closed
     */
    public boolean cancel(String streamId) {
        UpstreamCall call = running.get(streamId);
        if (call != null) {
            call.cancel();
            Log.infof("stream %s cancel received: upstream connection closed", streamId);
            return true;
        }
        boolean members = false;
        for (var member : running.entrySet()) {
            if (Merge.groupOf(member.getKey()).filter(streamId::equals).isPresent()) {
                member.getValue().cancel();
                members = true;
                Log.infof("stream %s cancelled with its group %s: upstream connection closed", member.getKey(),
                        streamId);
            }
        }
        long now = System.nanoTime();
        cancelledEarly.values().removeIf(at -> now - at > REMEMBER_EARLY_CANCEL.toNanos());
        cancelledEarly.put(streamId, now);
        return members;
    }

    private void checkTimeouts() {
        long now = System.nanoTime();
        running.forEach((id, call) -> {
            if (call.checkTimeouts(now)) {
                Log.warnf("stream %s timed out: %s; upstream connection closed", id, call.timeout());
            }
        });
    }

    @PreDestroy
    void shutdown() {
        watchdog.shutdownNow();
    }

    /**
     * Interrupts every running call: ingest is stopping and its drain time is over.
     *
     * @return how many calls were interrupted
     */
    public int interruptAll() {
        running.forEach((id, call) -> {
            call.interrupt();
            Log.infof("stream %s interrupted: ingest is stopping", id);
        });
        return running.size();
    }

    /** @return the number of upstream calls running on this instance. */
    public int size() {
        return running.size();
    }
}
