package dev.tokenstream.simulator.stream;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A fault the simulator injects into one answer, asked for in the {@value #HEADER} request header or after the
 * model name ({@code sim-fast?fault=stall&after=5&seconds=10}), as URL query parameters:
 * <ul>
 *   <li>{@code fault=rate-limited}: HTTP 429 with {@code Retry-After: <retry-after>} (seconds, default 1);</li>
 *   <li>{@code fault=server-error}: HTTP 500 before the first token;</li>
 *   <li>{@code fault=overloaded}: HTTP 529 before the first token;</li>
 *   <li>{@code fault=midstream-error}: an error event after {@code after} tokens (default 5), then the end;</li>
 *   <li>{@code fault=stall}: no byte for {@code seconds} (default 30) after {@code after} tokens, then the rest;</li>
 *   <li>{@code fault=drop}: the TCP connection closed after {@code after} tokens, mid-response;</li>
 *   <li>{@code fault=slow-first-token}: the first token after {@code millis} (default 5000).</li>
 * </ul>
 * {@code times=N} injects the fault into the first N requests with the same fault and prompt only, so a retry
 * can succeed; without it every such request gets the fault.
 *
 * @param kind       which fault
 * @param after      tokens sent before a mid-stream fault
 * @param seconds    stall length, seconds
 * @param millis     first-token delay, milliseconds
 * @param retryAfter the {@code Retry-After} of a 429, seconds
 * @param times      requests to inject into, or 0 for all
 * @param spec       the fault as written, which with the prompt keys the {@code times} count
 */
public record Fault(Kind kind, int after, double seconds, long millis, int retryAfter, int times, String spec) {

    /** Request header that asks for a fault. */
    public static final String HEADER = "x-simulator-fault";

    /** The faults the simulator can inject. */
    public enum Kind {
        RATE_LIMITED, SERVER_ERROR, OVERLOADED, MIDSTREAM_ERROR, STALL, DROP, SLOW_FIRST_TOKEN;

        static Kind of(String name) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown fault '" + name + "'; known: rate-limited, "
                        + "server-error, overloaded, midstream-error, stall, drop, slow-first-token");
            }
        }

        /** @return true for the faults answered with an HTTP error status instead of a stream */
        public boolean beforeStream() {
            return this == RATE_LIMITED || this == SERVER_ERROR || this == OVERLOADED;
        }
    }

    /**
     * Parses {@code fault=<kind>&after=..&seconds=..&millis=..&retry-after=..&times=..}.
     *
     * @throws IllegalArgumentException on an unknown fault or a bad number
     */
    public static Fault parse(String spec) {
        Map<String, String> params = new HashMap<>();
        for (String pair : spec.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                params.put(pair.substring(0, eq).trim(),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8).trim());
            }
        }
        if (!params.containsKey("fault")) {
            throw new IllegalArgumentException("a fault spec needs fault=<kind>, got '" + spec + "'");
        }
        try {
            return new Fault(Kind.of(params.get("fault")),
                    Integer.parseInt(params.getOrDefault("after", "5")),
                    Double.parseDouble(params.getOrDefault("seconds", "30")),
                    Long.parseLong(params.getOrDefault("millis", "5000")),
                    Integer.parseInt(params.getOrDefault("retry-after", "1")),
                    Integer.parseInt(params.getOrDefault("times", "0")),
                    spec);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad number in fault spec '" + spec + "': " + e.getMessage());
        }
    }
}
