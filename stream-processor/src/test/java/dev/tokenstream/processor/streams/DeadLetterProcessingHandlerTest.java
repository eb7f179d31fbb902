package dev.tokenstream.processor.streams;

import dev.tokenstream.events.ControlAction;
import dev.tokenstream.events.ControlCommand;
import dev.tokenstream.events.Topics;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The processing exception handler answers with a dead letter for Kafka Streams to write (KIP-1034) and lets
 * processing go on. That Kafka Streams writes it to the topic is shown on a real broker by the processor's broker
 * test (poison records on every input).
 */
class DeadLetterProcessingHandlerTest {

    @Test
    void shouldAnswerAnUnprocessableRecordWithADeadLetterAndContinue() {
        var handler = new DeadLetterProcessingHandler();
        handler.configure(Map.of());
        String id = "unprocessable-" + UUID.randomUUID();
        var record = new Record<>(id, new ControlCommand("c1", id, ControlAction.PAUSE, 7L), 1L);

        var response = handler.handleError(context(), record, new IllegalStateException("boom"));

        assertThat(response.result()).isEqualTo(ProcessingExceptionHandler.Result.RESUME);
        assertThat(response.deadLetterQueueRecords()).hasSize(1);
        var dead = response.deadLetterQueueRecords().get(0);
        assertThat(dead.topic()).isEqualTo(Topics.DLQ);
        assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo(id);
        assertThat(new String(dead.value(), StandardCharsets.UTF_8)).contains("\"action\":\"PAUSE\"");
        assertThat(new String(dead.headers().lastHeader(Topics.DLQ_HEADER_ERROR).value(), StandardCharsets.UTF_8))
                .contains("IllegalStateException: boom");
        assertThat(new String(dead.headers().lastHeader(Topics.DLQ_HEADER_ORIGIN).value(), StandardCharsets.UTF_8))
                .isEqualTo("tokenstream.control/2@41");
    }

    /** Where the failing record came from: plain data, as Kafka Streams hands it to the handler. */
    private static ErrorHandlerContext context() {
        return new ErrorHandlerContext() {
            @Override
            public String topic() {
                return Topics.CONTROL;
            }

            @Override
            public int partition() {
                return 2;
            }

            @Override
            public long offset() {
                return 41;
            }

            @Override
            public Headers headers() {
                return new RecordHeaders();
            }

            @Override
            public String processorNodeId() {
                return StreamTopology.STATE_MACHINE;
            }

            @Override
            public TaskId taskId() {
                return new TaskId(0, 2);
            }

            @Override
            public long timestamp() {
                return 1L;
            }

            @Override
            public byte[] sourceRawKey() {
                return null;
            }

            @Override
            public byte[] sourceRawValue() {
                return null;
            }
        };
    }
}
