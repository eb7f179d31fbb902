package dev.tokenstream.events.serde;

import dev.tokenstream.events.ApiKey;
import dev.tokenstream.events.CatalogEntry;
import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.Session;
import dev.tokenstream.events.StreamRequest;
import dev.tokenstream.events.StreamStats;
import dev.tokenstream.events.TokenEvent;

/**
 * One concrete serde class per record, for configuration that names a (de)serializer by class
 * ({@code value.deserializer=dev.tokenstream.events.serde.EventSerdes$TokenEvents}).
 */
public final class EventSerdes {

    private EventSerdes() {
    }

    /** Serde for {@link CatalogEntry}. */
    public static final class CatalogEntries extends JsonSerde<CatalogEntry> {
        public CatalogEntries() {
            super(CatalogEntry.class);
        }
    }

    /** Serde for {@link Session}. */
    public static final class Sessions extends JsonSerde<Session> {
        public Sessions() {
            super(Session.class);
        }
    }

    /** Serde for {@link ApiKey}. */
    public static final class ApiKeys extends JsonSerde<ApiKey> {
        public ApiKeys() {
            super(ApiKey.class);
        }
    }

    /** Serde for {@link StreamRequest}. */
    public static final class StreamRequests extends JsonSerde<StreamRequest> {
        public StreamRequests() {
            super(StreamRequest.class);
        }
    }

    /** Serde for {@link TokenEvent}. */
    public static final class TokenEvents extends JsonSerde<TokenEvent> {
        public TokenEvents() {
            super(TokenEvent.class);
        }
    }

    /** Serde for {@link ControlCommand}. */
    public static final class ControlCommands extends JsonSerde<ControlCommand> {
        public ControlCommands() {
            super(ControlCommand.class);
        }
    }

    /** Serde for {@link DeliveryFrame}. */
    public static final class DeliveryFrames extends JsonSerde<DeliveryFrame> {
        public DeliveryFrames() {
            super(DeliveryFrame.class);
        }
    }

    /** Serde for {@link StreamStats}. */
    public static final class StreamStatsSerde extends JsonSerde<StreamStats> {
        public StreamStatsSerde() {
            super(StreamStats.class);
        }
    }
}
