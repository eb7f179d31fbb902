package dev.tokenstream.client;

import dev.tokenstream.api.StartStreamRequest;
import dev.tokenstream.events.ChatMessage;
import dev.tokenstream.events.GenerationParams;
import dev.tokenstream.events.SessionTurn;

import java.util.List;

/**
 * A conversation kept by Tokenstream ({@code POST /v1/sessions}): each {@link #send} streams the answer to one more
 * user message, and the provider is sent the whole conversation so far, every earlier message and answer as it was
 * delivered (a cancelled answer's partial text, marked). The application sends only the new message. Made with
 * {@link TokenstreamClient#conversation}; thread-safe, one turn at a time (a turn sent while the last one still streams
 * is refused with 409).
 */
public final class Conversation {

    private final TokenstreamClient client;
    private final String id;
    private final String provider;
    private final String model;
    private final GenerationParams params;

    Conversation(TokenstreamClient client, String id, String provider, String model, GenerationParams params) {
        this.client = client;
        this.id = id;
        this.provider = provider;
        this.model = model;
        this.params = params;
    }

    /** @return the session id (the conversation's id in {@code /v1/sessions}) */
    public String id() {
        return id;
    }

    /**
     * Sends a user message as the next turn and delivers its answer to {@code handlers}.
     *
     * @return the turn's stream: control it, wait for its result
     * @throws TokenstreamException 409 while the previous turn still streams; 404 when the session is gone
     */
    public StreamSession send(String message, StreamHandler... handlers) {
        return client.start(StartStreamRequest.of(provider, model, List.of(ChatMessage.user(message)), params, null)
                .inSession(id), handlers);
    }

    /**
     * @return the turns so far, oldest first: each with its stream id, the messages it added and, once its stream
     *         ended, its answer as delivered and how it ended
     * @throws TokenstreamException 404 when the session is gone; status 0 when control-service is unreachable
     */
    public List<SessionTurn> turns() {
        return client.sessionTurns(id);
    }
}
