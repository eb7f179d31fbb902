package dev.tokenstream.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.tokenstream.events.StreamState;

import java.util.List;

/**
 * Answer of {@code POST /v1/streams} (201; 200 for a start replayed by its {@code Idempotency-Key}).
 *
 * @param streamId the stream's id (a UUID), or the merge group's
 * @param status   {@code REQUESTED}, or the state of the stream a replayed start names
 * @param links    where to read it
 * @param members  a merge group's member streams, by target index; absent for a stream of its own
 */
public record StreamCreated(String streamId, StreamState status, StreamLinks links,
                            @JsonInclude(JsonInclude.Include.NON_NULL) List<GroupMember> members) {

    /**
     * A merge group's member stream.
     *
     * @param streamId the member's own id ({@code <groupId>:<index>})
     * @param provider its provider
     * @param model    its model
     */
    public record GroupMember(String streamId, String provider, String model) {
    }
}
