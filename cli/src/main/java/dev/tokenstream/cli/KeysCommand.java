package dev.tokenstream.cli;

import dev.tokenstream.events.ApiKey;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.EventSerdes;
import dev.tokenstream.events.serde.Json;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code tokenstream keys create|revoke|list}: API keys, on the compacted {@value Topics#API_KEYS} topic that every
 * service reads (a change takes effect in every instance within about a second). A new key's text is printed once;
 * only its SHA-256 is stored.
 */
@Command(name = "keys", description = "Create, revoke and list API keys (on Kafka's tokenstream.api-keys topic).",
        subcommands = {KeysCommand.Create.class, KeysCommand.Revoke.class, KeysCommand.ListKeys.class,
            KeysCommand.Generate.class})
final class KeysCommand {

    @ParentCommand
    TokenstreamCli cli;

    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);

    @Command(name = "create", description = "Make a key for a tenant (or, with --service, for a service) and print "
            + "it once.")
    static final class Create implements Callable<Integer> {
        @ParentCommand
        KeysCommand keys;
        @Option(names = "--tenant", description = "the tenant whose streams the key starts and sees")
        String tenant;
        @Option(names = "--service", description = "a service's key: it queries any tenant's streams at the "
                + "processor, and starts none")
        boolean service;
        @Option(names = "--key", description = "register this key text (from 'keys generate') instead of making one")
        String text;

        @Override
        public Integer call() {
            if (service == (tenant != null)) {
                throw new IllegalStateException("give exactly one of --tenant NAME and --service");
            }
            ApiKey.Issued issued;
            try {
                issued = text == null ? ApiKey.issue(service ? null : tenant) : ApiKey.of(text, service ? null : tenant);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(e.getMessage());
            }
            keys.write(issued.record());
            System.out.printf("key %s for %s (shown once; keep it secret):%n%s%n", issued.record().keyId(),
                    service ? "services" : "tenant " + tenant, issued.text());
            return 0;
        }
    }

    @Command(name = "revoke", description = "Revoke a key: every service refuses it from its next poll on.")
    static final class Revoke implements Callable<Integer> {
        @ParentCommand
        KeysCommand keys;
        @Parameters(paramLabel = "KEY_ID", description = "the key's id (the part after tsk_, 12 hex characters)")
        String keyId;

        @Override
        public Integer call() {
            ApiKey key = keys.read().get(keyId);
            if (key == null) {
                throw new IllegalStateException("no key with id " + keyId + " (tokenstream keys list shows them)");
            }
            keys.write(key.revoke());
            System.out.printf("key %s revoked%n", keyId);
            return 0;
        }
    }

    @Command(name = "list", description = "List every key: id, tenant, role, created, revoked (never a secret).")
    static final class ListKeys implements Callable<Integer> {
        @ParentCommand
        KeysCommand keys;

        @Override
        public Integer call() {
            System.out.printf("%-14s %-20s %-8s %-24s %s%n", "KEY ID", "TENANT", "ROLE", "CREATED", "REVOKED");
            for (ApiKey key : keys.read().values()) {
                System.out.printf("%-14s %-20s %-8s %-24s %s%n", key.keyId(), key.tenant() == null ? "-"
                        : key.tenant(), key.role(), Instant.ofEpochMilli(key.createdAtMicros() / 1000),
                        key.revoked() ? "yes" : "no");
            }
            return 0;
        }
    }

    @Command(name = "generate", description = "Print a new key's text without storing anything (for a Secret; "
            + "register it with 'keys create --key').")
    static final class Generate implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.println(ApiKey.issue(null).text());
            return 0;
        }
    }

    private void write(ApiKey key) {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cli.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(),
                new EventSerdes.ApiKeys())) {
            producer.send(new ProducerRecord<>(Topics.API_KEYS, key.keyId(), key))
                    .get(WRITE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the key was not stored in " + Topics.API_KEYS + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    /** @return every key now, by key id (the topic read to its end) */
    private Map<String, ApiKey> read() {
        Map<String, ApiKey> keys = new TreeMap<>();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers", cli.bootstrapServers()),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.API_KEYS).stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.value() == null) {
                        keys.remove(record.key());
                        continue;
                    }
                    try {
                        keys.put(record.key(), Json.MAPPER.readValue(record.value(), ApiKey.class));
                    } catch (IOException e) {
                        System.err.printf("skipped an unreadable record at offset %d%n", record.offset());
                    }
                }
            }
        }
        return keys;
    }
}
