package dev.tokenstream.ingest.provider;

import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

import java.io.IOException;

/**
 * An OkHttp interceptor that hands each provider request's {@link okhttp3.Call} to its stream's
 * {@link UpstreamCall}, so a cancel or a timeout can cancel it from any thread. The stream is named by the
 * {@value #STREAM_HEADER} header the provider clients add; it is removed before the request leaves.
 */
final class UpstreamCallInterceptor implements Interceptor {

    /** Request header naming the stream a provider request belongs to; never sent upstream. */
    static final String STREAM_HEADER = "x-tokenstream-stream-id";

    private final ActiveStreams activeStreams;

    UpstreamCallInterceptor(ActiveStreams activeStreams) {
        this.activeStreams = activeStreams;
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        Request request = chain.request();
        String streamId = request.header(STREAM_HEADER);
        if (streamId == null) {
            return chain.proceed(request);
        }
        activeStreams.attach(streamId, chain.call());
        return chain.proceed(request.newBuilder().removeHeader(STREAM_HEADER).build());
    }
}
