package dev.tokenstream.delivery.facade;

import dev.tokenstream.delivery.messaging.Frame;
import dev.tokenstream.delivery.facade.ResponsesWire.Error;
import dev.tokenstream.delivery.facade.ResponsesWire.Event;
import dev.tokenstream.delivery.facade.ResponsesWire.Incomplete;
import dev.tokenstream.delivery.facade.ResponsesWire.Item;
import dev.tokenstream.delivery.facade.ResponsesWire.Part;
import dev.tokenstream.delivery.facade.ResponsesWire.Response;
import dev.tokenstream.delivery.facade.ResponsesWire.Tokens;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.StreamIds;
import dev.tokenstream.events.ToolCall;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.tokenstream.delivery.facade.Facades.read;

/**
 * One reading of a stream as the Responses API's events: fed the stream's frames from its first, every one as the
 * deliveries topic holds it (never merged), it numbers the events the same way on every reading, which is what
 * makes {@code starting_after} exact. Reasoning frames become a {@code reasoning} item, token frames a
 * {@code message} item (a new one when text follows a tool call), tool-call frames a {@code function_call} item
 * each; the terminal frame closes the open items and ends with {@code response.completed},
 * {@code response.incomplete} (the output limit, or a cancelled stream) or {@code response.failed}. Not
 * thread-safe: one per reading.
 */
final class ResponseEvents {

    private static final String MESSAGE = "message";
    private static final String REASONING = "reasoning";

    private final String streamId;
    private final String model;
    private final Boolean background;
    private final long createdAt;

    private final List<OutputItem> output = new ArrayList<>();
    /** The message or reasoning item text goes to, or null. */
    private OutputItem open;
    /** Function calls begun and not yet whole, by the provider's call index. */
    private final Map<Integer, OutputItem> calls = new TreeMap<>();
    private int sequence;
    private String status = "in_progress";
    private Tokens usage;
    private Error error;
    private Incomplete incomplete;

    /**
     * @param streamId   the stream
     * @param model      the model the response names
     * @param background whether it runs on without its client; null when this reading does not know
     */
    ResponseEvents(String streamId, String model, Boolean background) {
        this.streamId = streamId;
        this.model = model;
        this.background = background;
        this.createdAt = StreamIds.createdAtMillis(streamId).orElse(System.currentTimeMillis()) / 1000;
    }

    /** @return the response id of stream {@code streamId} */
    static String responseId(String streamId) {
        return "resp_" + streamId;
    }

    /** @return the stream of response id {@code responseId}, or null when it names none */
    static String streamId(String responseId) {
        String id = responseId.startsWith("resp_") ? responseId.substring("resp_".length()) : responseId;
        return StreamIds.isValid(id) ? id : null;
    }

    /** @return the events every reading begins with: {@code response.created}, {@code response.in_progress} */
    List<Event> begin() {
        return List.of(lifecycle("response.created"), lifecycle("response.in_progress"));
    }

    /** @return the events {@code frame} makes (none for frames the API has no event for: paused, resumed) */
    List<Event> on(Frame frame) {
        List<Event> events = new ArrayList<>();
        switch (frame.type()) {
            case TOKEN -> text(MESSAGE, frame.text(), events);
            case REASONING -> text(REASONING, read(frame).text(), events);
            case TOOL_CALL -> toolCall(read(frame).toolCall(), events);
            case COMPLETED -> {
                DeliveryFrame end = read(frame);
                closeAll("completed", events);
                usage = Tokens.of(end.usage());
                boolean truncated = "length".equals(end.finishReason());
                status = truncated ? "incomplete" : "completed";
                incomplete = truncated ? new Incomplete("max_output_tokens") : null;
                events.add(lifecycle(truncated ? "response.incomplete" : "response.completed"));
            }
            case FAILED -> {
                DeliveryFrame end = read(frame);
                closeAll("incomplete", events);
                status = "failed";
                error = new Error("server_error", end.error() == null ? "the stream failed" : end.error().message());
                events.add(lifecycle("response.failed"));
            }
            case CANCELLED -> {
                closeAll("incomplete", events);
                status = "cancelled";
                incomplete = new Incomplete("cancelled");
                events.add(lifecycle("response.incomplete"));
            }
            default -> {
                // started, paused, resumed, comparison: nothing the Responses API shows
            }
        }
        return events;
    }

    /** @return the response as it stands: status {@code queued} when nothing was read yet and it was just made */
    Response response() {
        return new Response(responseId(streamId), "response", createdAt, status, background, model,
                output.stream().map(OutputItem::item).toList(), usage, error, incomplete);
    }

    /** @return the response as {@code status}, its output as read so far */
    Response response(String status) {
        this.status = status;
        return response();
    }

    private void text(String type, String delta, List<Event> events) {
        if (open == null || !open.type.equals(type)) {
            closeText(events);
            open = add(type, null, null, events);
            Part empty = type.equals(MESSAGE) ? new Part("output_text", "", List.of()) : new Part("reasoning_text", "",
                    null);
            events.add(new Event("response.content_part.added", sequence++, null, open.index, open.id, 0, null, empty,
                    null, null, null, null));
        }
        open.text.append(delta);
        events.add(new Event(type.equals(MESSAGE) ? "response.output_text.delta" : "response.reasoning_text.delta",
                sequence++, null, open.index, open.id, 0, null, null, delta, null, null,
                type.equals(MESSAGE) ? List.of() : null));
    }

    private void toolCall(ToolCall call, List<Event> events) {
        closeText(events);
        OutputItem item = calls.get(call.index());
        if (item == null) {
            item = add("function_call", call.id(), call.name(), events);
            calls.put(call.index(), item);
        }
        String arguments = call.arguments() == null ? "" : call.arguments();
        if (!call.complete()) {
            item.text.append(arguments);
            events.add(argumentsDelta(item, arguments));
            return;
        }
        if (item.text.isEmpty() && !arguments.isEmpty()) {
            // A call that came whole: its arguments as one delta, for clients that assemble the deltas.
            events.add(argumentsDelta(item, arguments));
        }
        item.text.setLength(0);
        item.text.append(arguments);
        closeCall(item, "completed", events);
        calls.remove(call.index());
    }

    private Event argumentsDelta(OutputItem item, String delta) {
        return new Event("response.function_call_arguments.delta", sequence++, null, item.index, item.id, null, null,
                null, delta, null, null, null);
    }

    private OutputItem add(String type, String callId, String name, List<Event> events) {
        var item = new OutputItem(output.size(), type, streamId, callId, name);
        output.add(item);
        events.add(new Event("response.output_item.added", sequence++, null, item.index, null, null, item.item(),
                null, null, null, null, null));
        return item;
    }

    private void closeText(List<Event> events) {
        if (open == null) {
            return;
        }
        OutputItem item = open;
        open = null;
        boolean message = item.type.equals(MESSAGE);
        String text = item.text.toString();
        events.add(new Event(message ? "response.output_text.done" : "response.reasoning_text.done", sequence++,
                null, item.index, item.id, 0, null, null, null, text, null, message ? List.of() : null));
        item.status = "completed";
        events.add(new Event("response.content_part.done", sequence++, null, item.index, item.id, 0, null,
                item.part(), null, null, null, null));
        events.add(new Event("response.output_item.done", sequence++, null, item.index, null, null, item.item(),
                null, null, null, null, null));
    }

    private void closeCall(OutputItem item, String status, List<Event> events) {
        events.add(new Event("response.function_call_arguments.done", sequence++, null, item.index, item.id, null,
                null, null, null, null, item.text.toString(), null));
        item.status = status;
        events.add(new Event("response.output_item.done", sequence++, null, item.index, null, null, item.item(),
                null, null, null, null, null));
    }

    private void closeAll(String callStatus, List<Event> events) {
        closeText(events);
        calls.values().forEach(call -> closeCall(call, callStatus, events));
        calls.clear();
    }

    private Event lifecycle(String type) {
        return new Event(type, sequence++, response(), null, null, null, null, null, null, null, null, null);
    }

    /** An output item as it grows. */
    private static final class OutputItem {
        final int index;
        final String type;
        final String id;
        final String callId;
        final String name;
        final StringBuilder text = new StringBuilder();
        String status = "in_progress";

        OutputItem(int index, String type, String streamId, String callId, String name) {
            this.index = index;
            this.type = type;
            this.id = (type.equals(MESSAGE) ? "msg_" : type.equals(REASONING) ? "rs_" : "fc_") + streamId + "_"
                    + index;
            this.callId = callId;
            this.name = name;
        }

        Part part() {
            return type.equals(MESSAGE) ? new Part("output_text", text.toString(), List.of())
                    : new Part("reasoning_text", text.toString(), null);
        }

        Item item() {
            return switch (type) {
                case MESSAGE -> new Item(id, type, status, "assistant", text.isEmpty() && status.equals("in_progress")
                        ? List.of() : List.of(part()), null, null, null, null);
                case REASONING -> new Item(id, type, status, null, text.isEmpty() && status.equals("in_progress")
                        ? List.of() : List.of(part()), List.of(), null, null, null);
                default -> new Item(id, type, status, null, null, null, callId, name, text.toString());
            };
        }
    }
}
