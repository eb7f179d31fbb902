package dev.tokenstream.cli;

import dev.tokenstream.client.StreamHandler;
import dev.tokenstream.events.Comparison;

import dev.tokenstream.events.ToolCall;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Prints tokens as they arrive, and a line for the end or the error. Reasoning is printed after a
 * {@code [reasoning]} mark and set apart from the answer; each whole tool call gets a {@code [tool call]} line.
 */
public class ConsoleStreamHandler implements StreamHandler {

    private final PrintStream out;
    private boolean inReasoning;
    private int lastMember = -1;

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

    /** A merge group's token: a {@code [target i]} mark whenever the member changes (compare interleaves). */
    @Override
    public void onMemberToken(int member, String token, long index) {
        if (member != lastMember) {
            endReasoning();
            out.print((lastMember < 0 ? "" : "\n") + "[target " + member + "] ");
            lastMember = member;
        }
        onToken(token, index);
    }

    /** A compare group's results as a table: one row per target. */
    @Override
    public void onComparison(Comparison comparison) {
        out.println();
        out.println();
        out.printf("%-6s  %-28s  %-9s  %9s  %9s  %9s  %8s  %7s  %10s%n", "target", "model", "state", "ttft ms",
                "itl p50", "tokens/s", "tokens", "similar", "finish");
        for (Comparison.MemberResult r : comparison.members()) {
            out.printf("%-6d  %-28s  %-9s  %9s  %9s  %9s  %8d  %7.2f  %10s%n", r.member(),
                    r.provider() + "/" + r.model(), r.state().name().toLowerCase(Locale.ROOT), number(r.ttftMillis()),
                    number(r.itlP50Millis()), number(r.tokensPerSecond()), r.outputTokens(), r.similarity(),
                    r.finishReason() == null ? "-" : r.finishReason());
        }
    }

    private static String number(Double value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.1f", value);
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
