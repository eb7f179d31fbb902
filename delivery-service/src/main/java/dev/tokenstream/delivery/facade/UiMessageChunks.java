package dev.tokenstream.delivery.facade;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstream.delivery.messaging.Frame;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.ToolCall;
import dev.tokenstream.events.serde.Json;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.tokenstream.delivery.facade.Facades.read;

/**
 * One reading of a stream as the Vercel AI SDK's UI message stream (protocol {@code v1}; part names as the
 * {@code ai} npm package's {@code UIMessageChunk} type spells them): {@code start} (message id
 * {@code msg_<streamId>}) and {@code start-step}; reasoning frames as {@code reasoning-start}/{@code -delta}/
 * {@code -end}, token frames as {@code text-start}/{@code -delta}/{@code -end}, tool-call frames as
 * {@code tool-input-start}, {@code tool-input-delta} and {@code tool-input-available} (the parsed arguments); the
 * terminal frame closes what is open and ends with {@code finish-step} and {@code finish} (its finish reason),
 * {@code error} (a failed stream) or {@code abort} (a cancelled one). Not thread-safe: one per reading.
 */
final class UiMessageChunks {

    /**
     * A chunk; only the fields of its type are written.
     *
     * @param type           the chunk type
     * @param id             a text or reasoning part's id
     * @param delta          text or reasoning text
     * @param toolCallId     a tool call's id
     * @param toolName       the tool's name
     * @param inputTextDelta a fragment of a tool call's JSON arguments
     * @param input          a tool call's arguments, parsed
     * @param errorText      why the stream failed
     * @param messageId      {@code start}: the message's id
     * @param finishReason   {@code finish}: stop, length, tool-calls, content-filter or other
     * @param reason         {@code abort}: why
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Chunk(String type, String id, String delta, String toolCallId, String toolName, String inputTextDelta,
                 Object input, String errorText, String messageId, String finishReason, String reason) {

        static Chunk of(String type) {
            return new Chunk(type, null, null, null, null, null, null, null, null, null, null);
        }

        static Chunk part(String type, String id, String delta) {
            return new Chunk(type, id, delta, null, null, null, null, null, null, null, null);
        }

        static Chunk tool(String type, String toolCallId, String toolName, String inputTextDelta, Object input) {
            return new Chunk(type, null, null, toolCallId, toolName, inputTextDelta, input, null, null, null, null);
        }
    }

    private final String streamId;
    /** The open text or reasoning part: its chunk type prefix ({@code text} or {@code reasoning}) and id. */
    private String openKind;
    private String openId;
    private int parts;
    /** Tool call ids and names by the provider's call index. */
    private final Map<Integer, String[]> calls = new HashMap<>();

    UiMessageChunks(String streamId) {
        this.streamId = streamId;
    }

    /** @return the chunks every reading begins with */
    List<Chunk> begin() {
        return List.of(new Chunk("start", null, null, null, null, null, null, null, "msg_" + streamId, null, null),
                Chunk.of("start-step"));
    }

    /** @return the chunks {@code frame} makes; none for started, paused, resumed */
    List<Chunk> on(Frame frame) {
        List<Chunk> chunks = new ArrayList<>();
        switch (frame.type()) {
            case TOKEN -> text("text", frame.text(), chunks);
            case REASONING -> text("reasoning", read(frame).text(), chunks);
            case TOOL_CALL -> toolCall(read(frame).toolCall(), chunks);
            case COMPLETED -> {
                close(chunks);
                chunks.add(Chunk.of("finish-step"));
                chunks.add(new Chunk("finish", null, null, null, null, null, null, null, null,
                        finishReason(read(frame)), null));
            }
            case FAILED -> {
                close(chunks);
                DeliveryFrame end = read(frame);
                chunks.add(new Chunk("error", null, null, null, null, null, null, end.error() == null
                        ? "the stream failed" : end.error().message(), null, null, null));
            }
            case CANCELLED -> {
                close(chunks);
                chunks.add(new Chunk("abort", null, null, null, null, null, null, null, null, null,
                        "the stream was cancelled"));
            }
            default -> {
                // nothing the UI message stream shows
            }
        }
        return chunks;
    }

    private void text(String kind, String delta, List<Chunk> chunks) {
        if (!kind.equals(openKind)) {
            close(chunks);
            openKind = kind;
            openId = kind + "-" + parts++;
            chunks.add(Chunk.part(kind + "-start", openId, null));
        }
        chunks.add(Chunk.part(kind + "-delta", openId, delta));
    }

    private void toolCall(ToolCall call, List<Chunk> chunks) {
        close(chunks);
        String[] known = calls.get(call.index());
        if (known == null) {
            known = new String[] {call.id() != null ? call.id() : "call_" + streamId + "_" + call.index(),
                    call.name()};
            calls.put(call.index(), known);
            chunks.add(Chunk.tool("tool-input-start", known[0], known[1], null, null));
        }
        String arguments = call.arguments() == null ? "" : call.arguments();
        if (!call.complete()) {
            chunks.add(Chunk.tool("tool-input-delta", known[0], null, arguments, null));
        } else {
            chunks.add(Chunk.tool("tool-input-available", known[0], known[1], null, parsed(arguments)));
        }
    }

    private void close(List<Chunk> chunks) {
        if (openKind != null) {
            chunks.add(Chunk.part(openKind + "-end", openId, null));
            openKind = null;
        }
    }

    /** @return the arguments as JSON; their text when the model wrote no valid JSON */
    private static Object parsed(String arguments) {
        if (arguments.isEmpty()) {
            return Map.of();
        }
        try {
            JsonNode json = Json.MAPPER.readTree(arguments);
            return json == null ? arguments : json;
        } catch (IOException e) {
            return arguments;
        }
    }

    /** @return the AI SDK's name of the provider's finish reason */
    private static String finishReason(DeliveryFrame end) {
        String reason = end.finishReason();
        if (reason == null || reason.equals("stop") || reason.equals("end_turn") || reason.equals("stop_sequence")) {
            return "stop";
        }
        return switch (reason) {
            case "length", "max_tokens" -> "length";
            case "tool_calls", "tool_use" -> "tool-calls";
            case "content_filter" -> "content-filter";
            default -> "other";
        };
    }
}
