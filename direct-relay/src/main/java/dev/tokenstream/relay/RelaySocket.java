package dev.tokenstream.relay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.quarkus.logging.Log;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.smallrye.common.annotation.Blocking;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /relay?model=&prompt=&maxTokens=} as a WebSocket: streams one chat completion from the provider
 * through the official OpenAI SDK and sends every content delta to the client as it arrives, as
 * {@code {"type":"token","text":...,"emittedAtMicros":...}}, then {@code {"type":"completed"}} and a normal close.
 * No Kafka, no state, no resume: the least a relay can do, the benchmark's baseline.
 */
@WebSocket(path = "/relay")
public class RelaySocket {

    private final OpenAIClient provider;
    private final ObjectMapper mapper;

    public RelaySocket(@ConfigProperty(name = "relay.provider-base-url") String baseUrl, ObjectMapper mapper) {
        this.provider = OpenAIOkHttpClient.builder().baseUrl(baseUrl).apiKey("not-needed").maxRetries(0).build();
        this.mapper = mapper;
    }

    @OnOpen
    @Blocking
    public void onOpen(WebSocketConnection connection) {
        Map<String, List<String>> query = new QueryStringDecoder(connection.handshakeRequest().query(), false)
                .parameters();
        var params = ChatCompletionCreateParams.builder().model(first(query, "model", "sim-bench"))
                .addUserMessage(first(query, "prompt", "hello"))
                .maxCompletionTokens(Long.parseLong(first(query, "maxTokens", "100"))).build();
        try (StreamResponse<ChatCompletionChunk> stream = provider.chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(choice -> choice.delta().content()
                    .filter(text -> !text.isEmpty()).ifPresent(text -> connection.sendTextAndAwait(
                            mapper.createObjectNode().put("type", "token").put("text", text)
                                    .put("emittedAtMicros", ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now()))
                                    .toString()))));
            connection.sendTextAndAwait("{\"type\":\"completed\"}");
        } catch (RuntimeException e) {
            Log.warnf("relay failed: %s", e.getMessage());
            connection.sendTextAndAwait("{\"type\":\"failed\"}");
        }
        connection.closeAndAwait();
    }

    private static String first(Map<String, List<String>> query, String name, String absent) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? absent : values.get(0);
    }
}
