package dev.tokenstream.simulator.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenstream.simulator.config.SimulatorConfig;
import dev.tokenstream.simulator.config.SimulatorConfig.LatencyProfile;
import dev.tokenstream.simulator.stream.Fault;
import dev.tokenstream.simulator.stream.SimulatedStreams;
import dev.tokenstream.simulator.stream.Transcripts;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;

/**
 * What every protocol route of the simulator does before it simulates an answer: parse and check the body, replay
 * a transcript for model {@code transcript:<file>}, find the model's latency profile, and read the fault it asks
 * for, answering a fault that comes before the stream (429, 500, 529) after a quarter of the time to first token.
 * Each protocol writes its errors in its own format.
 */
abstract class ProtocolRoute {

    /**
     * A request to simulate.
     *
     * @param body    its JSON body
     * @param model   the model name, without its fault query
     * @param profile the model's latency profile
     * @param prompt  the last user message
     * @param fault   a mid-stream fault to inject, or null
     */
    record Simulation(JsonNode body, String model, LatencyProfile profile, String prompt, Fault fault) {
    }

    protected final SimulatorConfig config;
    protected final ObjectMapper mapper;
    protected final Vertx vertx;
    protected final SimulatedStreams streams;
    private final Transcripts transcripts;

    ProtocolRoute(SimulatorConfig config, ObjectMapper mapper, Vertx vertx, SimulatedStreams streams,
                  Transcripts transcripts) {
        this.config = config;
        this.mapper = mapper;
        this.vertx = vertx;
        this.streams = streams;
        this.transcripts = transcripts;
    }

    /** @return why the body lacks a field the protocol requires, or null when it has them all */
    protected abstract String missingFields(JsonNode body);

    /** Answers 400 in the protocol's error format. */
    protected abstract void badRequest(RoutingContext ctx, String message);

    /** Answers 404 for an unknown model or transcript in the protocol's error format. */
    protected abstract void modelNotFound(RoutingContext ctx, String message);

    /** Answers a fault that comes before the stream: 429 with {@code Retry-After}, 500 or 529. */
    protected abstract void answerFault(RoutingContext ctx, Fault fault);

    /** @return the request to simulate, or null when it was answered already (an error, a transcript, a fault) */
    protected Simulation resolve(RoutingContext ctx) {
        JsonNode body;
        try {
            body = mapper.readTree(ctx.body().asString());
        } catch (IOException | RuntimeException e) {
            badRequest(ctx, "The request body is not valid JSON.");
            return null;
        }
        String missing = body == null ? "a JSON object body is required." : missingFields(body);
        if (missing != null) {
            badRequest(ctx, missing);
            return null;
        }
        ModelName model = ModelName.of(body.path("model").asText());
        if (model.name().startsWith(Transcripts.PREFIX)) {
            if (!transcripts.replay(ctx, model.name().substring(Transcripts.PREFIX.length()))) {
                modelNotFound(ctx, "No transcript named '" + model.name() + "'.");
            }
            return null;
        }
        LatencyProfile profile = config.profiles().get(model.name());
        if (profile == null) {
            modelNotFound(ctx, "The model '" + model.name() + "' does not exist. Simulated models: "
                    + config.profiles().keySet() + ", or transcript:<file>.");
            return null;
        }
        String prompt = ModelName.lastUserMessage(body.path("messages"));
        streams.received(prompt, body);
        Fault fault;
        try {
            fault = streams.faultFor(ctx, model.query(), prompt);
        } catch (IllegalArgumentException e) {
            badRequest(ctx, e.getMessage());
            return null;
        }
        if (fault != null && fault.kind().beforeStream()) {
            vertx.setTimer(Math.max(1, profile.ttftMillis() / 4), t -> answerFault(ctx, fault));
            return null;
        }
        return new Simulation(body, model.name(), profile, prompt, fault);
    }

    /**
     * One server-sent event as the providers frame it (the WHATWG {@code text/event-stream} format): an optional
     * {@code event:} line, one {@code data:} line (the data never holds a line break: it is compact JSON or
     * {@code [DONE]}), a blank line.
     *
     * @param name the event's name (Anthropic's), or null for a data-only event (OpenAI's)
     */
    protected static String serverSentEvent(String name, Object data) {
        return (name == null ? "" : "event: " + name + "\n") + "data: " + data + "\n\n";
    }
}
