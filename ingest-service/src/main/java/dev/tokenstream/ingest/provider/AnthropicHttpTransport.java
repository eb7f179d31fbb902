package dev.tokenstream.ingest.provider;

import com.anthropic.core.RequestOptions;
import com.anthropic.core.http.Headers;
import com.anthropic.core.http.HttpClient;
import com.anthropic.core.http.HttpRequest;
import com.anthropic.core.http.HttpRequestBody;
import com.anthropic.core.http.HttpResponse;
import com.anthropic.errors.AnthropicIoException;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The HTTP transport of the Anthropic SDK, on an OkHttp client of ours. The SDK's own OkHttp transport gives no
 * access to the {@link Call}, and closing a streaming response from another thread races the thread reading it
 * (OkHttp drains the body on close); with this one, {@link UpstreamCallInterceptor} registers each call, so a
 * cancel is a thread-safe {@link Call#cancel()} that closes the socket at once. Requests and responses pass
 * unchanged.
 */
final class AnthropicHttpTransport implements HttpClient {

    private final OkHttpClient http;

    AnthropicHttpTransport(Duration connectTimeout, Duration readTimeout, UpstreamCallInterceptor interceptor) {
        this.http = new OkHttpClient.Builder()
                .connectTimeout(connectTimeout)
                .readTimeout(readTimeout)
                .writeTimeout(connectTimeout)
                .addInterceptor(interceptor)
                .build();
    }

    @Override
    public HttpResponse execute(HttpRequest request, RequestOptions options) {
        try {
            return new OkHttpResponse(http.newCall(toOkHttp(request)).execute());
        } catch (IOException e) {
            throw new AnthropicIoException("Request failed", e);
        }
    }

    @Override
    public CompletableFuture<HttpResponse> executeAsync(HttpRequest request, RequestOptions options) {
        var future = new CompletableFuture<HttpResponse>();
        Call call = http.newCall(toOkHttp(request));
        future.whenComplete((response, error) -> {
            if (future.isCancelled()) {
                call.cancel();
            }
        });
        call.enqueue(new Callback() {
            @Override
            public void onResponse(Call c, Response response) {
                future.complete(new OkHttpResponse(response));
            }

            @Override
            public void onFailure(Call c, IOException e) {
                future.completeExceptionally(new AnthropicIoException("Request failed", e));
            }
        });
        return future;
    }

    private static Request toOkHttp(HttpRequest request) {
        var builder = new Request.Builder().url(request.url());
        for (String name : request.headers().names()) {
            for (String value : request.headers().values(name)) {
                builder.addHeader(name, value);
            }
        }
        RequestBody body = request.body().map(AnthropicHttpTransport::toOkHttp).orElse(null);
        String method = request.method().name();
        if (body == null && (method.equals("POST") || method.equals("PUT") || method.equals("PATCH"))) {
            body = RequestBody.create(new byte[0]);
        }
        return builder.method(method, body).build();
    }

    private static RequestBody toOkHttp(HttpRequestBody body) {
        MediaType type = body.contentType() == null ? null : MediaType.parse(body.contentType());
        return new RequestBody() {
            @Override
            public MediaType contentType() {
                return type;
            }

            @Override
            public long contentLength() {
                return body.contentLength();
            }

            @Override
            public boolean isOneShot() {
                return !body.repeatable();
            }

            @Override
            public void writeTo(BufferedSink sink) {
                body.writeTo(sink.outputStream());
            }
        };
    }

    @Override
    public void close() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    /** An OkHttp response as the SDK's {@link HttpResponse}. */
    private static final class OkHttpResponse implements HttpResponse {

        private final Response response;
        private final Headers headers;

        OkHttpResponse(Response response) {
            this.response = response;
            var builder = Headers.builder();
            for (String name : response.headers().names()) {
                builder.put(name, response.headers(name));
            }
            this.headers = builder.build();
        }

        @Override
        public int statusCode() {
            return response.code();
        }

        @Override
        public Headers headers() {
            return headers;
        }

        @Override
        public InputStream body() {
            return response.body().byteStream();
        }

        @Override
        public void close() {
            response.close();
        }
    }
}
