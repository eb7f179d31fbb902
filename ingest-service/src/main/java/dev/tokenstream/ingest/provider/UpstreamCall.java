package dev.tokenstream.ingest.provider;

/**
 * One running upstream call that another thread may cancel. The worker reading the stream closes the SDK's
 * stream response itself when it sees the cancel between two chunks: closing it from the cancelling thread
 * while the worker reads the same connection races inside OkHttp and can leave the connection open, so the
 * provider would go on generating. Only when the worker has not closed it within {@link #FORCE_CLOSE_MILLIS}
 * (a provider that sends nothing) does the canceller close it; the worker's blocked read then fails.
 */
public final class UpstreamCall {

    /** How long a cancel waits for the worker before it closes the connection itself. */
    static final long FORCE_CLOSE_MILLIS = 250;

    private AutoCloseable response;
    private boolean cancelled;

    /** Attaches the open stream response; closes it at once when the call was already cancelled. */
    public void attach(AutoCloseable streamResponse) {
        boolean closeNow;
        synchronized (this) {
            response = streamResponse;
            closeNow = cancelled;
        }
        if (closeNow) {
            closeQuietly(streamResponse);
        }
    }

    /** The worker is done with the response (it closes it itself). */
    public synchronized void detach() {
        response = null;
    }

    /** Marks the call cancelled; the worker closes the connection at its next chunk. */
    public synchronized void cancel() {
        cancelled = true;
    }

    /** Closes the connection if the worker still has not: the fallback for a silent provider. */
    void forceClose() {
        AutoCloseable toClose;
        synchronized (this) {
            toClose = response;
            response = null;
        }
        if (toClose != null) {
            closeQuietly(toClose);
        }
    }

    /** @return whether a cancel arrived. */
    public synchronized boolean isCancelled() {
        return cancelled;
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // closing a connection that is already broken is fine
        }
    }
}
