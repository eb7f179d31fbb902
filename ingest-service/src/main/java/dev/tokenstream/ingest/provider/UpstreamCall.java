package dev.tokenstream.ingest.provider;

import okhttp3.Call;

import java.time.Duration;

/**
 * One stream's upstream call, which another thread may cancel or time out. The provider's HTTP exchange (an
 * OkHttp {@link Call}, registered by {@link UpstreamCallInterceptor} when the SDK sends the request) is cancelled
 * with {@link Call#cancel()}: thread-safe, and it closes the socket at once, so the provider sees the connection
 * drop within milliseconds while the worker's blocked read fails.
 * <p>
 * It also keeps the clock of the current attempt for the {@link ActiveStreams} watchdog: the first-token timeout
 * runs from the attempt's start to its first content event, the idle timeout between two events after that.
 */
public final class UpstreamCall {

    private Call httpCall;
    private boolean cancelled;
    private boolean interrupted;
    private String timeout;
    private long attemptStartNanos = System.nanoTime();
    private long lastEventNanos = attemptStartNanos;
    private boolean firstTokenSeen;
    private Duration firstTokenTimeout = Duration.ofDays(1);
    private Duration idleTimeout = Duration.ofDays(1);

    /** Registers the HTTP exchange of the current attempt; cancels it at once when the call is already over. */
    synchronized void attach(Call call) {
        httpCall = call;
        if (cancelled || timeout != null) {
            call.cancel();
        }
    }

    /** Marks the call cancelled and drops the provider's connection. */
    public void cancel() {
        Call toCancel;
        synchronized (this) {
            cancelled = true;
            toCancel = httpCall;
        }
        if (toCancel != null) {
            toCancel.cancel();
        }
    }

    /** Marks the call interrupted (ingest is stopping) and drops the provider's connection, as a cancel does. */
    public void interrupt() {
        synchronized (this) {
            interrupted = true;
        }
        cancel();
    }

    /** @return whether ingest interrupted the call (it ends as failed, not as cancelled) */
    public synchronized boolean isInterrupted() {
        return interrupted;
    }

    /** @return whether a cancel arrived. */
    public synchronized boolean isCancelled() {
        return cancelled;
    }

    /**
     * Starts the clock of a new attempt (after a retry's backoff, after a concurrency permit).
     *
     * @param firstToken longest wait from now to the first content event
     * @param idle       longest silence between two events after that
     */
    synchronized void startAttempt(Duration firstToken, Duration idle) {
        firstTokenTimeout = firstToken;
        idleTimeout = idle;
        httpCall = null;
        timeout = null;
        firstTokenSeen = false;
        attemptStartNanos = System.nanoTime();
        lastEventNanos = attemptStartNanos;
    }

    /** The provider sent an event; {@code content} when it holds text, reasoning or a tool call. */
    synchronized void onEvent(boolean content) {
        lastEventNanos = System.nanoTime();
        firstTokenSeen |= content;
    }

    /** @return why the current attempt timed out, or null when it did not */
    synchronized String timeout() {
        return timeout;
    }

    /**
     * Times out the current attempt if it is past its first-token or idle timeout, dropping its connection.
     *
     * @return true when it timed out now
     */
    boolean checkTimeouts(long nowNanos) {
        Call toCancel;
        synchronized (this) {
            if (cancelled || timeout != null || httpCall == null) {
                return false;
            }
            if (!firstTokenSeen && nowNanos - attemptStartNanos > firstTokenTimeout.toNanos()) {
                timeout = "no first token within " + firstTokenTimeout.toMillis() + " ms";
            } else if (firstTokenSeen && nowNanos - lastEventNanos > idleTimeout.toNanos()) {
                timeout = "no event for " + idleTimeout.toMillis() + " ms after the first token";
            } else {
                return false;
            }
            toCancel = httpCall;
        }
        toCancel.cancel();
        return true;
    }
}
