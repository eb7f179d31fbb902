package dev.tokenstream.events;

/**
 * Names of the Kafka topics that connect the services (docs/design.md, "Topics"). Every record is keyed by
 * stream id, so the events of one stream stay in order within one partition.
 */
public final class Topics {

    /** {@link StreamRequest}s, consumed by the ingest workers as one consumer group. */
    public static final String REQUESTS = "tokenstream.requests";
    /** {@link TokenEvent}s: the raw, ordered log of each stream and the replay source. */
    public static final String TOKENS = "tokenstream.tokens";
    /** {@link ControlCommand}s: pause, resume and cancel. */
    public static final String CONTROL = "tokenstream.control";
    /** {@link DeliveryFrame}s: what clients receive, in order. */
    public static final String DELIVERIES = "tokenstream.deliveries";
    /** {@link StreamStats}, compacted: the latest state and statistics of each stream. */
    public static final String STREAM_STATS = "tokenstream.stream-stats";
    /** {@link ModelSample}s keyed {@code provider/model}: the processor's input to its model statistics. */
    public static final String MODEL_SAMPLES = "tokenstream.model-samples";
    /** {@link ModelStats}, compacted: each provider and model per one-minute window. */
    public static final String MODEL_STATS = "tokenstream.model-stats";
    /** {@link TenantSample}s keyed by tenant: the processor's input to each tenant's usage (quotas). */
    public static final String TENANT_SAMPLES = "tokenstream.tenant-samples";
    /** {@link CatalogEntry}, compacted, keyed by provider name: the providers and models ingest serves. */
    public static final String CATALOG = "tokenstream.catalog";
    /**
     * {@link ApiKey}, compacted, keyed by key id: every API key (its tenant, the SHA-256 of its secret, whether it
     * is revoked), read whole by every service that authenticates callers.
     */
    public static final String API_KEYS = "tokenstream.api-keys";
    /**
     * {@link Session}, compacted, keyed by session id: each tenant's conversations (the streams started in each, and
     * their answers once recorded), read whole by every control-service instance.
     */
    public static final String SESSIONS = "tokenstream.sessions";
    /** Records that could not be decoded or processed: original key and bytes plus error headers. */
    public static final String DLQ = "tokenstream.dlq";

    /** Header on a dead-lettered record: the exception class and message. */
    public static final String DLQ_HEADER_ERROR = "tokenstream.dlq.error";
    /** Header on a dead-lettered record: topic, partition and offset it came from. */
    public static final String DLQ_HEADER_ORIGIN = "tokenstream.dlq.origin";

    private Topics() {
    }
}
