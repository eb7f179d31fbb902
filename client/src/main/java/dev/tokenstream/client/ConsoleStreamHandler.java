package dev.tokenstream.client;

import dev.tokenstream.events.ToolCall;

import java.io.PrintStream;

/**
 * Prints tokens as they arrive, and a line for the end or the error. Reasoning is printed after a
 * {@code [reasoning]} mark and set apart from the answer; each whole tool call gets a {@code [tool call]} line.
 */
public class ConsoleStreamHandler implements StreamHandler {

    private final PrintStream out;
    private boolean inReasoning;

    public ConsoleStreamHandler() {
        this(System.out);
    }

    public ConsoleStreamHandler(PrintStream out) {
        this.out = out;
    }

    @Override
    public void onReasoning(String reasoning) {
        if (!inReasoning) {
            out.print("[reasoning] ");
            inReasoning = true;
        }
        out.print(reasoning);
        out.flush();
    }

    @Override
    public void onToolCall(ToolCall call) {
        if (call.complete()) {
            endReasoning();
            out.println("[tool call " + call.name() + " " + call.arguments() + "]");
        }
    }

    private void endReasoning() {
        if (inReasoning) {
            out.println();
            out.println();
            inReasoning = false;
        }
    }

    @Override
    public void onToken(String token, long index) {
        endReasoning();
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
