package dev.tokenstream.client;

import java.io.PrintStream;

/** Prints tokens as they arrive, and a line for the end or the error. */
public class ConsoleStreamHandler implements StreamHandler {

    private final PrintStream out;

    public ConsoleStreamHandler() {
        this(System.out);
    }

    public ConsoleStreamHandler(PrintStream out) {
        this.out = out;
    }

    @Override
    public void onToken(String token, long index) {
        out.print(token);
        out.flush();
    }

    @Override
    public void onStreamComplete(String fullResponse) {
        out.println();
    }

    @Override
    public void onStreamError(Throwable error) {
        out.println();
        out.println("[error: " + error.getMessage() + "]");
    }
}
