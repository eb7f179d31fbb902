package dev.tokenstream.delivery.messaging;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.logging.Log;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Feeds the {@link FrameLog} of a stream another delivery instance owns ({@link PartitionOwners}) from that owner,
 * so a client may connect to any instance: one WebSocket per stream to the owner's
 * {@code /v1/streams/{id}/ws?after=<last seq held>}, authenticated with this service's key, however many clients
 * read the stream here. The owner sends every frame uncoalesced, so the log holds the same frames Kafka does
 * and appends stay idempotent by seq.
 *
 * <p>When the link drops (the owner stopped, or its partition moved and it closed with {@value #NOT_OWNER}) it is
 * made again to whichever instance owns the partition then, after the last seq held: clients see no gap and no
 * repeat. It stops when the stream ends, when nobody here reads it any more, or when this instance becomes the
 * owner (Kafka feeds the log again). Frames received count in {@code tokenstream_delivery_frames_forwarded_total};
 * {@code tokenstream_delivery_owner_feeds} is how many streams are fed so now.
 */
@ApplicationScoped
public class OwnerFeeds {

    /** WebSocket close code of an instance asked for a stream whose partition it does not own. */
    public static final int NOT_OWNER = 4010;
    private static final long FIRST_RETRY_MILLIS = 100;
    /**
     * A link to a peer is cheap to try again, and the silence of its clients is bounded by how soon it is tried
     * once the partition has a live owner (1 s session timeout, docs/scaling.md "Failover"): at most every 400 ms.
     */
    private static final long MAX_RETRY_MILLIS = 400;

    private final Vertx vertx;
    private final PartitionOwners owners;
    private final String authorization;
    private final WebSocketClient client;
    private final Map<String, Feed> feeds = new ConcurrentHashMap<>();
    private final Counter forwarded;

    /**
     * @param serviceKey this service's API key (role service): owners serve any stream to it
     */
    public OwnerFeeds(Vertx vertx, PartitionOwners owners,
                      @ConfigProperty(name = "tokenstream.auth.service-key") String serviceKey,
                      MeterRegistry registry) {
        this.vertx = vertx;
        this.owners = owners;
        this.authorization = "Bearer " + serviceKey;
        this.client = vertx.createWebSocketClient(new WebSocketClientOptions().setConnectTimeout(2000)
                .setMaxMessageSize(16 * 1024 * 1024).setMaxFrameSize(1024 * 1024));
        this.forwarded = Counter.builder("tokenstream.delivery.frames.forwarded")
                .description("Frames received from the delivery instance owning their stream, for clients here")
                .register(registry);
        registry.gaugeMapSize("tokenstream.delivery.owner.feeds", Tags.empty(), feeds);
    }

    /** Feeds the log from its stream's owner, unless a feed runs already; idempotent. */
    void follow(FrameLog log) {
        feeds.computeIfAbsent(log.streamId(), id -> {
            Feed feed = new Feed(log);
            vertx.runOnContext(v -> feed.connect());
            return feed;
        });
    }

    /** @return whether a feed from another instance runs for the stream */
    public boolean isFollowing(String streamId) {
        return feeds.containsKey(streamId);
    }

    /** Stops feeds whose clients have all gone (called with the eviction sweep). */
    void closeUnread() {
        feeds.values().forEach(feed -> {
            if (feed.log.subscriberCount() == 0) {
                feed.stop();
            }
        });
    }

    private final class Feed {

        private final FrameLog log;
        private volatile WebSocket socket;
        private long retryMillis = FIRST_RETRY_MILLIS;
        private volatile boolean stopped;

        Feed(FrameLog log) {
            this.log = log;
        }

        private boolean done() {
            return stopped || log.isFinished() || log.subscriberCount() == 0 || owners.ownsStream(log.streamId());
        }

        void connect() {
            if (done()) {
                stop();
                return;
            }
            String owner = owners.ownerUrl(log.streamId()).orElse(null);
            if (owner == null) {
                retry("its owner is not known yet");
                return;
            }
            String uri = owner.replaceFirst("^http", "ws") + "/v1/streams/" + log.streamId() + "/ws?after="
                    + log.lastSeq();
            client.connect(new WebSocketConnectOptions().setAbsoluteURI(uri).putHeader("Authorization", authorization))
                    .onSuccess(this::opened)
                    .onFailure(failure -> {
                        owners.refreshSoon();
                        retry(owner + " cannot be reached (" + failure.getMessage() + ")");
                    });
        }

        private void opened(WebSocket webSocket) {
            socket = webSocket;
            retryMillis = FIRST_RETRY_MILLIS;
            if (stopped) {
                webSocket.close();
                return;
            }
            webSocket.textMessageHandler(this::onFrame);
            webSocket.closeHandler(v -> {
                Short code = webSocket.closeStatusCode();
                if (code != null && code == NOT_OWNER) {
                    owners.refreshSoon();
                }
                socket = null;
                if (done()) {
                    stop();
                } else {
                    retry("the owner closed the link (" + code + ")");
                }
            });
            webSocket.exceptionHandler(failure -> Log.debugf("stream %s: owner link failed: %s", log.streamId(),
                    failure.getMessage()));
        }

        private void onFrame(String json) {
            try {
                Frame.parse(json).ifPresent(parsed -> {
                    forwarded.increment();
                    if (log.append(parsed.frame())) {
                        Log.errorf("stream %s: frame %d came again with other content; the stream ends as "
                                + "data_loss", log.streamId(), parsed.frame().seq());
                    }
                });
            } catch (IOException | IllegalArgumentException e) {
                Log.warnf("stream %s: skipping an undecodable frame from its owner: %s", log.streamId(),
                        e.getMessage());
            }
            if (log.subscriberCount() == 0) {
                stop();
            }
        }

        private void retry(String why) {
            Log.debugf("stream %s: owner link again in %d ms: %s", log.streamId(), retryMillis, why);
            long delay = retryMillis;
            retryMillis = Math.min(MAX_RETRY_MILLIS, retryMillis * 2);
            vertx.setTimer(delay, t -> connect());
        }

        void stop() {
            stopped = true;
            feeds.remove(log.streamId(), this);
            WebSocket open = socket;
            if (open != null && !open.isClosed()) {
                open.close();
            }
        }
    }

    @PreDestroy
    void shutdown() {
        feeds.values().forEach(Feed::stop);
        client.close();
    }
}
