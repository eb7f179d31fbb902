package dev.tokenstream.processor.streams;

import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.Json;
import io.micrometer.core.instrument.Metrics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Kafka Streams' processing and deserialization exception handler: a record whose processing threw goes to
 * {@code tokenstream.dlq} (the source record's bytes unchanged, or its value as JSON when Kafka Streams has no raw
 * bytes for it), and so does a record a source's own serde cannot read (the model-samples source); processing
 * continues. The dead letter travels in the handler's response and Kafka Streams' own producer writes it (Kafka
 * Streams' dead-letter queue, KIP-1034, Kafka 4.2+), so it is written with the task's output, not beside it. Headers
 * say why and where from. The tokens, control and requests sources decode in the topology and route what they cannot
 * read themselves.
 */
public class DeadLetterProcessingHandler implements ProcessingExceptionHandler, DeserializationExceptionHandler {

    private static final Logger LOG = Logger.getLogger(DeadLetterProcessingHandler.class);

    private String dlqTopic = Topics.DLQ;

    @Override
    public void configure(Map<String, ?> configs) {
        Object topic = configs.get("tokenstream.dlq.topic");
        if (topic != null) {
            dlqTopic = topic.toString();
        }
    }

    @Override
    public ProcessingExceptionHandler.Response handleError(ErrorHandlerContext context, Record<?, ?> record,
                                                           Exception exception) {
        LOG.errorf(exception, "processing failed at %s/%d@%d in %s; record sent to %s", context.topic(),
                context.partition(), context.offset(), context.processorNodeId(), dlqTopic);
        byte[] key = context.sourceRawKey() != null ? context.sourceRawKey()
                : record.key() == null ? null : record.key().toString().getBytes(StandardCharsets.UTF_8);
        byte[] value = context.sourceRawValue() != null ? context.sourceRawValue() : json(record.value());
        return ProcessingExceptionHandler.Response.resume(List.of(deadLetter(context, key, value, exception)));
    }

    @Override
    public DeserializationExceptionHandler.Response handleError(ErrorHandlerContext context,
                                                                ConsumerRecord<byte[], byte[]> record,
                                                                Exception exception) {
        LOG.errorf("cannot read the record at %s/%d@%d (%s); sent to %s", context.topic(), context.partition(),
                context.offset(), exception.getMessage(), dlqTopic);
        return DeserializationExceptionHandler.Response.resume(List.of(
                deadLetter(context, record.key(), record.value(), exception)));
    }

    private static byte[] json(Object value) {
        try {
            return Json.MAPPER.writeValueAsBytes(value);
        } catch (Exception e) {
            return String.valueOf(value).getBytes(StandardCharsets.UTF_8);
        }
    }

    private ProducerRecord<byte[], byte[]> deadLetter(ErrorHandlerContext context, byte[] key, byte[] value,
                                                      Exception exception) {
        var dead = new ProducerRecord<>(dlqTopic, key, value);
        dead.headers().add(Topics.DLQ_HEADER_ERROR, String.valueOf(exception).getBytes(StandardCharsets.UTF_8));
        dead.headers().add(Topics.DLQ_HEADER_ORIGIN, (context.topic() + "/" + context.partition() + "@"
                + context.offset()).getBytes(StandardCharsets.UTF_8));
        // Kafka Streams instantiates this handler, not CDI: Quarkus adds its registry to the global one.
        StreamMetrics.deadLettered(Metrics.globalRegistry, context.topic());
        return dead;
    }
}
