package dev.tokenstream.events;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Member ids and the partition key of merge group members. */
class MergeTest {

    @Test
    void shouldKeyAMemberByItsGroupAndAnyOtherStreamByItself() {
        String group = "01a24ee8-2327-7d40-bcf9-ebe487accb8a";

        assertThat(Merge.groupOf(Merge.memberId(group, 2))).contains(group);
        assertThat(Merge.memberIndexOf(Merge.memberId(group, 2))).isEqualTo(2);
        assertThat(Merge.partitionKey(Merge.memberId(group, 0))).isEqualTo(group);
        assertThat(Merge.partitionKey(group)).isEqualTo(group);
        assertThat(Merge.groupOf(group)).isEmpty();
        assertThat(Merge.groupOf("report.md")).as("'.m' without a member index").isEmpty();
        assertThat(Merge.groupOf("a.m1b")).isEmpty();
    }
}
