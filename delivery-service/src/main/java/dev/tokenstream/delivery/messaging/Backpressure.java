package dev.tokenstream.delivery.messaging;

/**
 * How far a subscriber may fall behind its stream, in frames.
 *
 * @param coalesceLagFrames  from this lag on, waiting token frames are merged into one write
 * @param maxCoalescedFrames most token frames merged into one
 * @param maxLagFrames       beyond this lag the client is closed and told where to resume
 */
public record Backpressure(int coalesceLagFrames, int maxCoalescedFrames, int maxLagFrames) {
}
