package dev.tokenstream.client;

import java.util.function.Consumer;

/**
 * A handler made of lambdas, for the callbacks one needs:
 * {@code CallbackStreamHandler.builder().onToken((token, i) -> ui.append(token)).build()}.
 */
public final class CallbackStreamHandler implements StreamHandler {

    /** Receives a token and its index. */
    @FunctionalInterface
    public interface TokenCallback {
        void accept(String token, long index);
    }

    private final Consumer<StreamMetadata> onStart;
    private final TokenCallback onToken;
    private final Consumer<String> onComplete;
    private final Consumer<Throwable> onError;

    private CallbackStreamHandler(Builder builder) {
        this.onStart = builder.onStart;
        this.onToken = builder.onToken;
        this.onComplete = builder.onComplete;
        this.onError = builder.onError;
    }

    /** @return a builder; unset callbacks do nothing */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void onStreamStart(StreamMetadata metadata) {
        onStart.accept(metadata);
    }

    @Override
    public void onToken(String token, long index) {
        onToken.accept(token, index);
    }

    @Override
    public void onStreamComplete(String fullResponse) {
        onComplete.accept(fullResponse);
    }

    @Override
    public void onStreamError(Throwable error) {
        onError.accept(error);
    }

    /** Builds a {@link CallbackStreamHandler}. */
    public static final class Builder {
        private Consumer<StreamMetadata> onStart = m -> { };
        private TokenCallback onToken = (t, i) -> { };
        private Consumer<String> onComplete = t -> { };
        private Consumer<Throwable> onError = e -> { };

        public Builder onStart(Consumer<StreamMetadata> callback) {
            this.onStart = callback;
            return this;
        }

        public Builder onToken(TokenCallback callback) {
            this.onToken = callback;
            return this;
        }

        public Builder onComplete(Consumer<String> callback) {
            this.onComplete = callback;
            return this;
        }

        public Builder onError(Consumer<Throwable> callback) {
            this.onError = callback;
            return this;
        }

        public CallbackStreamHandler build() {
            return new CallbackStreamHandler(this);
        }
    }
}
