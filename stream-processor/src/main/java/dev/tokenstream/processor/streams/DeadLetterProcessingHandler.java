package dev.tokenstream.processor.streams;

import dev.tokenstream.events.KafkaConnection;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.Json;
import io.micrometer.core.instrument.Metrics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Kafka Streams' processing and deserialization exception handler: a record whose processing threw goes to
 * {@code tokenstream.dlq} (its value as JSON, with headers saying why and where from), and so does a record a
 * source's own serde cannot read (the model-samples source: its bytes unchanged); processing continues. The
 * tokens, control and requests sources decode in the topology and route what they cannot read themselves.
 */
public class DeadLetterProcessingHandler implements ProcessingExceptionHandler, DeserializationExceptionHandler {

    private static final Logger LOG = Logger.getLogger(DeadLetterProcessingHandler.class);

    private KafkaProducer<String, byte[]> producer;
    private String dlqTopic = Topics.DLQ;

    @Override
    public void configure(Map<String, ?> configs) {
        // The same cluster and security settings as Kafka Streams' own clients.
        Map<String, Object> producerConfig = new HashMap<>(KafkaConnection.of(configs));
        producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        Object topic = configs.get("tokenstream.dlq.topic");
        if (topic != null) {
            dlqTopic = topic.toString();
        }
        producer = new KafkaProducer<>(producerConfig, new StringSerializer(), new ByteArraySerializer());
    }

    @Override
    public ProcessingHandlerResponse handle(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        LOG.errorf(exception, "processing failed at %s/%d@%d in %s; record sent to %s", context.topic(),
                context.partition(), context.offset(), context.processorNodeId(), dlqTopic);
        byte[] value;
        try {
            value = Json.MAPPER.writeValueAsBytes(record.value());
        } catch (Exception e) {
            value = String.valueOf(record.value()).getBytes(StandardCharsets.UTF_8);
        }
        deadLetter(context, record.key() == null ? null : record.key().toString(), value, exception);
        return ProcessingHandlerResponse.CONTINUE;
    }

    @Override
    public DeserializationHandlerResponse handle(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
                                                 Exception exception) {
        LOG.errorf("cannot read the record at %s/%d@%d (%s); sent to %s", context.topic(), context.partition(),
                context.offset(), exception.getMessage(), dlqTopic);
        deadLetter(context, record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8),
                record.value(), exception);
        return DeserializationHandlerResponse.CONTINUE;
    }

    private void deadLetter(ErrorHandlerContext context, String key, byte[] value, Exception exception) {
        var dead = new ProducerRecord<>(dlqTopic, key, value);
        dead.headers().add(Topics.DLQ_HEADER_ERROR, String.valueOf(exception).getBytes(StandardCharsets.UTF_8));
        dead.headers().add(Topics.DLQ_HEADER_ORIGIN, (context.topic() + "/" + context.partition() + "@"
                + context.offset()).getBytes(StandardCharsets.UTF_8));
        producer.send(dead);
        // Kafka Streams instantiates this handler, not CDI: Quarkus adds its registry to the global one.
        StreamMetrics.deadLettered(Metrics.globalRegistry, context.topic());
    }
}
