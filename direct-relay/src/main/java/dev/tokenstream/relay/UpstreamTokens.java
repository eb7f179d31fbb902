package dev.tokenstream.relay;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.netty.handler.codec.http.QueryStringDecoder;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The provider call both paths make: one streaming chat completion through the official OpenAI SDK, for a
 * connection's {@code ?model=&prompt=&maxTokens=}, handing each content delta on as it arrives with the time it
 * arrived (epoch microseconds).
 */
@ApplicationScoped
public class UpstreamTokens {

    private final OpenAIClient provider;

    public UpstreamTokens(@ConfigProperty(name = "relay.provider-base-url") String baseUrl) {
        this.provider = OpenAIOkHttpClient.builder().baseUrl(baseUrl).apiKey("not-needed").maxRetries(0).build();
    }

    /**
     * Streams the completion a WebSocket handshake's query asks for; blocks until it ends.
     *
     * @param query the handshake's query string
     * @param token called with each content delta's text and its arrival, epoch microseconds
     * @throws RuntimeException when the provider call fails
     */
    public void stream(String query, BiConsumer<String, Long> token) {
        Map<String, List<String>> parameters = new QueryStringDecoder(query, false).parameters();
        var params = ChatCompletionCreateParams.builder().model(first(parameters, "model", "sim-bench"))
                .addUserMessage(first(parameters, "prompt", "hello"))
                .maxCompletionTokens(Long.parseLong(first(parameters, "maxTokens", "100"))).build();
        try (StreamResponse<ChatCompletionChunk> stream = provider.chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(choice -> choice.delta().content()
                    .filter(text -> !text.isEmpty()).ifPresent(text -> token.accept(text,
                            ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now())))));
        }
    }

    private static String first(Map<String, List<String>> query, String name, String absent) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? absent : values.get(0);
    }
}
