package dev.tokenstream.events.serde;

import dev.tokenstream.events.DeliveryFrame;

/**
 * The records of {@code tokenstream.deliveries}: one {@link DeliveryFrame} as a JSON object keyed by its stream
 * id, or, when the processor handled a record of several streams' token events, the frames it made from them as
 * a JSON array in order, with no key (at most {@link #MAX_FRAMES} frames: delivery appends a record's frames at
 * once, and a burst longer than its coalescing threshold would merge frames for a client that keeps up). Every
 * frame of an array belongs to the partition the record is in; a stream's frames keep their seq order.
 */
public final class DeliveryFrameRecords extends JsonRecords<DeliveryFrame> {

    /** Frames a record carries at most. */
    public static final int MAX_FRAMES = 32;

    public DeliveryFrameRecords() {
        super(DeliveryFrame.class);
    }
}
