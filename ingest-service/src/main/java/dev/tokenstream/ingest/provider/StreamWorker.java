package dev.tokenstream.ingest.provider;

import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionUsage;
import dev.tokenstream.events.Micros;
import dev.tokenstream.events.ChatMessage;
import dev.tokenstream.events.StreamRequest;
import dev.tokenstream.events.TokenEvent;
import dev.tokenstream.events.Usage;
import dev.tokenstream.ingest.messaging.TokenPublisher;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Iterator;
import java.util.Optional;

/**
 * Runs one stream: calls the provider's Chat Completions streaming API through the official OpenAI SDK and
 * publishes its {@link TokenEvent}s in order (provider {@code replay:<streamId>}: a recorded stream, see
 * {@link RecordingReplayer}) (started, one token event per content delta, then completed,
 * failed or cancelled), with {@code seq} counting from 0. A cancel closes the SDK's stream response, which ends
 * the upstream HTTP call; the usage known so far goes out with the cancelled event.
 */
@ApplicationScoped
public class StreamWorker {

    private final ProviderRegistry providers;
    private final ActiveStreams activeStreams;
    private final TokenPublisher publisher;
    private final RecordingReplayer replayer;

    public StreamWorker(ProviderRegistry providers, ActiveStreams activeStreams, TokenPublisher publisher,
                        RecordingReplayer replayer) {
        this.providers = providers;
        this.replayer = replayer;
        this.activeStreams = activeStreams;
        this.publisher = publisher;
    }

    /**
     * Streams {@code request} to its end on the calling thread and waits until Kafka acknowledged the terminal
     * event, so the request's offset is committed only then.
     *
     * @throws IllegalStateException when the terminal event could not be written
     */
    public void run(StreamRequest request) {
        String id = request.streamId();
        UpstreamCall call = activeStreams.register(id);
        var stream = new StreamPublication(id, publisher);
        try {
            if (call.isCancelled()) {
                Log.infof("stream %s cancelled before it started", id);
                stream.publish(seq -> TokenEvent.cancelled(id, seq, null, Micros.now()));
                return;
            }
            if (request.provider() != null && request.provider().startsWith(RecordingReplayer.PREFIX)) {
                replayer.replay(request.provider().substring(RecordingReplayer.PREFIX.length()), request, call, stream);
                return;
            }
            Optional<OpenAIClient> client = providers.client(request.provider());
            if (client.isEmpty()) {
                Log.warnf("stream %s names unknown provider %s", id, request.provider());
                stream.publish(seq -> TokenEvent.failed(id, seq,
                        FailureReason.UNKNOWN_PROVIDER.toError("no provider named '" + request.provider()
                                + "' is configured; known: " + providers.names() + " and replay:<streamId>"),
                        null, Micros.now()));
                return;
            }
            streamFrom(client.get(), request, call, stream);
        } finally {
            activeStreams.remove(id);
            stream.awaitLastAck();
        }
    }

    private void streamFrom(OpenAIClient client, StreamRequest request, UpstreamCall call, StreamPublication stream) {
        String id = request.streamId();
        long upstreamRequestAt = Micros.now();
        stream.publish(seq -> TokenEvent.started(id, seq, request.provider(), request.model(),
                request.acceptedAtMicros(), upstreamRequestAt, upstreamRequestAt, request.buffering()));
        String finishReason = null;
        Usage usage = null;
        try (StreamResponse<ChatCompletionChunk> response =
                     client.chat().completions().createStreaming(params(request))) {
            call.attach(response);
            Iterator<ChatCompletionChunk> chunks = response.stream().iterator();
            while (!call.isCancelled() && chunks.hasNext()) {
                ChatCompletionChunk chunk = chunks.next();
                for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                    Optional<String> content = choice.delta().content();
                    if (content.isPresent() && !content.get().isEmpty()) {
                        stream.publish(seq -> TokenEvent.token(id, seq, content.get(), Micros.now()));
                    }
                    if (choice.finishReason().isPresent()) {
                        finishReason = choice.finishReason().get().asString();
                    }
                }
                if (chunk.usage().isPresent()) {
                    usage = toUsage(chunk.usage().get());
                }
            }
            call.detach();
            if (call.isCancelled()) {
                publishCancelled(stream, usage);
            } else {
                String reason = finishReason == null ? "stop" : finishReason;
                Usage reported = usage;
                stream.publish(seq -> TokenEvent.completed(id, seq, reason, reported, Micros.now()));
                Log.infof("stream %s completed: %d tokens, finish reason %s", id, stream.tokens(), reason);
            }
        } catch (RuntimeException e) {
            call.detach();
            if (call.isCancelled()) {
                publishCancelled(stream, usage);
                return;
            }
            FailureReason reason = FailureReason.of(e);
            Log.warnf("stream %s failed after %d tokens: %s (%s)", id, stream.tokens(), reason.code(), e.getMessage());
            Usage reported = usage;
            stream.publish(seq -> TokenEvent.failed(id, seq, reason.toError(e.getMessage()), reported, Micros.now()));
        }
    }

    /** Publishes the cancelled event with the provider's usage, or else the token events counted so far. */
    static void publishCancelled(StreamPublication stream, Usage reported) {
        Usage usage = reported != null ? reported : new Usage(null, stream.tokens(), null, null);
        stream.publish(seq -> TokenEvent.cancelled(stream.streamId, seq, usage, Micros.now()));
        Log.infof("stream %s cancelled after %d tokens", stream.streamId, stream.tokens());
    }

    private static ChatCompletionCreateParams params(StreamRequest request) {
        var builder = ChatCompletionCreateParams.builder()
                .model(request.model())
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build());
        for (ChatMessage message : request.messages()) {
            switch (message.role()) {
                case "system" -> builder.addSystemMessage(message.content());
                case "assistant" -> builder.addAssistantMessage(message.content());
                default -> builder.addUserMessage(message.content());
            }
        }
        var params = request.params();
        if (params.maxTokens() != null) {
            builder.maxCompletionTokens(params.maxTokens());
        }
        if (params.temperature() != null) {
            builder.temperature(params.temperature());
        }
        if (params.seed() != null) {
            builder.seed(params.seed());
        }
        return builder.build();
    }

    private static Usage toUsage(CompletionUsage usage) {
        Long cached = usage.promptTokensDetails().flatMap(d -> d.cachedTokens()).orElse(null);
        Long reasoning = usage.completionTokensDetails().flatMap(d -> d.reasoningTokens()).orElse(null);
        return new Usage(usage.promptTokens(), usage.completionTokens(), cached, reasoning);
    }



}
