package dev.tokenstream.client;

/** Collects a stream's text as it arrives; thread-safe to read from any thread. */
public class BufferedStreamHandler implements StreamHandler {

    private final StringBuilder text = new StringBuilder();
    private long tokenFrames;

    @Override
    public synchronized void onToken(String token, long index) {
        text.append(token);
        tokenFrames++;
    }

    /** @return the text received so far */
    public synchronized String text() {
        return text.toString();
    }

    /** @return token frames received so far (a frame may hold several tokens) */
    public synchronized long tokenFrames() {
        return tokenFrames;
    }
}
