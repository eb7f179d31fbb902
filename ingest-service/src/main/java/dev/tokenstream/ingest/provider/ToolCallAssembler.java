package dev.tokenstream.ingest.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.tokenstream.events.ToolCall;
import dev.tokenstream.events.serde.Json;
import io.quarkus.logging.Log;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Assembles streamed tool calls from their fragments, per call index. A fragment without an index (some
 * OpenAI-compatible servers leave it out) starts a new call when it carries an id, and otherwise continues the
 * call of the previous fragment. Not thread-safe: one per stream.
 */
final class ToolCallAssembler {

    private static final class Partial {
        String id;
        String name;
        final StringBuilder arguments = new StringBuilder();
        boolean done;
    }

    private final Map<Integer, Partial> calls = new TreeMap<>();
    private int last = -1;

    /**
     * Adds a fragment.
     *
     * @param index     the call's index as the provider gave it, or null when it gave none
     * @param id        the call's id, on its first fragment
     * @param name      the function's name, on its first fragment
     * @param arguments the next piece of the JSON arguments; may be null or empty
     * @return the fragment, with its resolved index
     */
    ToolCall fragment(Integer index, String id, String name, String arguments) {
        int resolved = index != null ? index : id != null || last < 0 ? calls.size() : last;
        Partial call = calls.computeIfAbsent(resolved, i -> new Partial());
        last = resolved;
        if (id != null) {
            call.id = id;
        }
        if (name != null) {
            call.name = name;
        }
        if (arguments != null) {
            call.arguments.append(arguments);
        }
        return ToolCall.fragment(resolved, id, name, arguments == null ? "" : arguments);
    }

    /** @return the call at {@code index} made whole, or null when there is none or it was completed before */
    ToolCall complete(int index) {
        Partial call = calls.get(index);
        if (call == null || call.done) {
            return null;
        }
        call.done = true;
        return ToolCall.whole(index, call.id, call.name, normalised(call.arguments.toString(), call.name));
    }

    /** @return every call not completed yet, made whole, in index order */
    List<ToolCall> completeAll() {
        List<ToolCall> whole = new ArrayList<>();
        for (Integer index : calls.keySet()) {
            ToolCall call = complete(index);
            if (call != null) {
                whole.add(call);
            }
        }
        return whole;
    }

    /** Parses the joined fragments once, so the whole call carries compact JSON; "" means no arguments. */
    private static String normalised(String arguments, String name) {
        if (arguments.isBlank()) {
            return "{}";
        }
        try {
            return Json.MAPPER.readTree(arguments).toString();
        } catch (JsonProcessingException e) {
            Log.warnf("tool call %s: its arguments are not valid JSON; passed on as sent", name);
            return arguments;
        }
    }
}
