package dev.tokenstream.events;

/**
 * One observation of a stream for its model's windowed statistics, written by the processor to
 * {@link Topics#MODEL_SAMPLES} keyed {@code provider/model} ({@link #key}), aggregated into {@link ModelStats}.
 *
 * @param provider        the stream's provider
 * @param model           the stream's model
 * @param kind            what happened
 * @param ttftMillis      first token: time to first token from the request's acceptance
 * @param state           ended: how (completed, failed, cancelled)
 * @param tokensPerSecond ended: the stream's decode rate, when it had two tokens or more
 * @param outputTokens    ended: output tokens counted
 * @param itlHistogram    ended: the stream's inter-token gaps in microseconds, an HdrHistogram in its compressed
 *                        encoding (mergeable across streams)
 */
public record ModelSample(String provider, String model, Kind kind, Double ttftMillis, StreamState state,
                          Double tokensPerSecond, long outputTokens, byte[] itlHistogram) {

    /** What a sample reports. */
    public enum Kind {
        STARTED, FIRST_TOKEN, ENDED
    }

    /** @return the record key of a model's samples and statistics: {@code provider/model} */
    public static String key(String provider, String model) {
        return provider + "/" + model;
    }

    public static ModelSample started(String provider, String model) {
        return new ModelSample(provider, model, Kind.STARTED, null, null, null, 0, null);
    }

    public static ModelSample firstToken(String provider, String model, double ttftMillis) {
        return new ModelSample(provider, model, Kind.FIRST_TOKEN, ttftMillis, null, null, 0, null);
    }

    public static ModelSample ended(String provider, String model, StreamState state, Double tokensPerSecond,
                                    long outputTokens, byte[] itlHistogram) {
        return new ModelSample(provider, model, Kind.ENDED, null, state, tokensPerSecond, outputTokens, itlHistogram);
    }
}
