package dev.tokenstream.ingest.provider;

/**
 * One running upstream call that another thread may cancel. Cancelling closes the SDK's stream response, which
 * closes the HTTP connection, so the provider stops generating and billing; the worker reading the stream then
 * sees an exception and publishes the cancelled event.
 */
public final class UpstreamCall {

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

    /** Marks the call cancelled and closes its connection, if open. */
    public void cancel() {
        AutoCloseable toClose;
        synchronized (this) {
            cancelled = true;
            toClose = response;
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
