package dev.tokenstream.localstack;

import dev.tokenstream.events.ApiKey;
import dev.tokenstream.events.TopicSpec;
import dev.tokenstream.events.Topics;
import dev.tokenstream.events.serde.EventSerdes;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.MemberToRemove;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs Tokenstream on one machine: a real single-node Apache Kafka broker (KRaft, combined broker and controller,
 * from the Maven Central jars in {@code local-stack/target/kafka-libs}) and every service from its built jar,
 * each as its own JVM with its log under {@code <workDir>/logs}. {@link #up()} formats the broker's storage on
 * first run, creates the topics, starts the services and waits until each answers its readiness check;
 * {@link #down()} stops them all. The pids and ports go to {@code <workDir>/stack.properties}, so another
 * command can stop or inspect a stack that an earlier one started.
 */
public final class LocalStack {

    /** The processor's Kafka Streams application id, its consumer group. */
    public static final String PROCESSOR_GROUP = "tokenstream-processor";
    private static final String PROCESSOR_INSTANCE = "local-stack-processor";
    private static final String INGEST_INSTANCE = "local-stack-ingest";
    /** Streams the one ingest instance calls providers for at once, unless INGEST_MAX_CONCURRENT_STREAMS says. */
    private static final int LOCAL_INGEST_CONCURRENCY = 1024;

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration TERMINATE_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration COORDINATOR_TIMEOUT = Duration.ofSeconds(60);
    private static final String STATE_FILE = "stack.properties";
    private static final Map<String, String> PORT_VARIABLES = Map.of("kafka", "TOKENSTREAM_KAFKA_PORT",
            "provider-simulator", "TOKENSTREAM_SIMULATOR_PORT", "stream-processor", "TOKENSTREAM_PROCESSOR_PORT",
            "ingest-service", "TOKENSTREAM_INGEST_PORT", "control-service", "TOKENSTREAM_CONTROL_PORT",
            "delivery-service", "TOKENSTREAM_DELIVERY_PORT");
    /** The state file's entry for the instances of each service; every other entry is a process name and its pid. */
    private static final String INSTANCES_KEY = "instances";
    /** The state file's entry for the brokers. */
    private static final String BROKERS_KEY = "brokers";

    private final StackSettings settings;
    private final PrintStream progress;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * @param settings ports and folders
     * @param progress where progress lines go ({@code System.out} for the CLI)
     */
    public LocalStack(StackSettings settings, PrintStream progress) {
        this.settings = settings;
        this.progress = progress;
    }

    /** @return the stack's settings */
    public StackSettings settings() {
        return settings;
    }

    /**
     * Ingest's settings: the simulator, and the providers {@code openai} and {@code anthropic} at the simulator's
     * matching endpoints unless {@code OPENAI_API_KEY} (or {@code ANTHROPIC_API_KEY}) is set in the environment,
     * which the ingest process inherits: then at the real API.
     */
    private List<String> ingestArguments(String kafka, int instance) {
        List<String> arguments = new ArrayList<>(List.of(kafka,
                "-Dingest.providers.simulator.base-url=" + settings.simulatorUrl() + "/v1",
                "-Dquarkus.rest-client.processor-api.url=" + settings.processorUrl(instance)));
        if (isBlank(System.getenv("OPENAI_API_KEY"))) {
            arguments.add("-Dingest.providers.openai.base-url=" + settings.simulatorUrl() + "/v1");
        }
        if (isBlank(System.getenv("ANTHROPIC_API_KEY"))) {
            arguments.add("-Dingest.providers.anthropic.base-url=" + settings.simulatorUrl());
        }
        // Static membership, as the processor's: an ingest that restarts takes its partitions back at once (and
        // takes up the requests it had not finished, as new attempts) instead of waiting out the session timeout.
        arguments.add("-Dmp.messaging.incoming.requests.group.instance.id=" + instanceName(INGEST_INSTANCE, instance));
        // Enough for the benchmark's 1000 streams at once on one instance.
        if (isBlank(System.getenv("INGEST_MAX_CONCURRENT_STREAMS"))) {
            arguments.add("-Dsmallrye.messaging.worker.ingest-workers.max-concurrency=" + LOCAL_INGEST_CONCURRENCY);
        }
        arguments.addAll(layoutArguments());
        return arguments;
    }

    /** The per-stream topic layout is a profile of ingest and the processor. */
    private List<String> layoutArguments() {
        return settings.perStream() ? List.of("-Dquarkus.profile=prod,per-stream") : List.of();
    }

    private static List<String> concat(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }

    /**
     * @return the name of instance {@code i} (from 1) of a process: the name itself for the first, then
     *         {@code <name>-<i>}
     */
    static String instanceName(String name, int instance) {
        return instance == 1 ? name : name + "-" + instance;
    }

    /**
     * The processes in start order: the broker first, the simulator before ingest; then each service's instances
     * ({@link StackSettings#instances()}), instance {@code i} on its ports {@link StackSettings#instancePort}. Instance
     * {@code i} of ingest and control asks processor instance {@code i} (any instance answers for every stream); the
     * processors keep a standby replica of each other's state when there are several.
     */
    List<Component> components() {
        String kafka = "-Dkafka.bootstrap.servers=" + settings.bootstrapServers();
        Path data = settings.workDir().resolve("data");
        List<Component> components = new ArrayList<>(List.of(
                new Component("provider-simulator", settings.simulatorPort(), "provider-simulator", List.of())));
        for (int i = brokers(); i >= 1; i--) {
            components.add(0, new Component(instanceName("kafka", i), settings.kafkaPort(i), null, List.of()));
        }
        int instances = instances();
        for (int i = 1; i <= instances; i++) {
            String processor = instanceName("stream-processor", i);
            components.add(new Component(processor, port(settings.processorPort(), i), "stream-processor",
                    concat(List.of(
                            "-Dquarkus.kafka-streams.bootstrap-servers=" + settings.bootstrapServers(),
                            "-Dkafka-streams.state.dir=" + data.resolve(processor),
                            "-Dkafka-streams.num.standby.replicas=" + (instances > 1 ? 1 : 0),
                            // Static membership: a processor that restarts on its own takes over its old membership
                            // at once instead of waiting out the session timeout of the member it was.
                            "-Dkafka-streams.group.instance.id=" + instanceName(PROCESSOR_INSTANCE, i)),
                            layoutArguments())));
        }
        for (int i = 1; i <= instances; i++) {
            components.add(new Component(instanceName("ingest-service", i), port(settings.ingestPort(), i),
                    "ingest-service", ingestArguments(kafka, i)));
        }
        for (int i = 1; i <= instances; i++) {
            components.add(new Component(instanceName("control-service", i), port(settings.controlPort(), i),
                    "control-service", List.of(kafka,
                    "-Dcontrol.public-base-url=" + settings.controlUrl(i),
                    "-Dcontrol.delivery-base-url=" + settings.deliveryUrl(i),
                    // Clients here reach every delivery instance: links name the one owning the stream.
                    "-Dcontrol.links-to-delivery-owner=" + (instances() > 1),
                    "-Dquarkus.rest-client.processor-api.url=" + settings.processorUrl(i),
                    "-Dquarkus.http.cors.origins=" + settings.deliveryUrl(i),
                    // The development tenant runs the benchmark (1000 streams at once); tenant "limited" runs one
                    // stream at a time, to try the quotas with (tokenstream keys create --tenant limited).
                    "-Dcontrol.quotas.tenants.dev.max-concurrent-streams=100000",
                    "-Dcontrol.quotas.tenants.dev.requests-per-minute=1000000",
                    "-Dcontrol.quotas.tenants.dev.output-tokens-per-minute=1000000000",
                    "-Dcontrol.quotas.tenants.limited.max-concurrent-streams=1")));
        }
        for (int i = 1; i <= instances; i++) {
            components.add(new Component(instanceName("delivery-service", i), port(settings.deliveryPort(), i),
                    "delivery-service", List.of(kafka,
                    "-Dquarkus.rest-client.control-api.url=" + settings.controlUrl(i),
                    "-Ddelivery.control-public-url=" + settings.controlUrl(i),
                    // How the other delivery instances reach this one, for the streams it owns.
                    "-Ddelivery.advertised-url=" + settings.deliveryUrl(i))));
        }
        return components;
    }

    /** @return the URLs of every instance of a service, comma-separated */
    private String urls(java.util.function.IntFunction<String> url) {
        List<String> urls = new ArrayList<>();
        for (int i = 1; i <= instances(); i++) {
            urls.add(url.apply(i));
        }
        return String.join(", ", urls);
    }

    private static int port(int first, int instance) {
        return StackSettings.instancePort(first, instance);
    }

    /**
     * @return instances of each service: the settings', or those of the stack the state file records (so
     *         {@code down} and {@code status} see every instance an {@code up --instances N} started)
     */
    int instances() {
        return Math.max(settings.instances(), recorded(INSTANCES_KEY));
    }

    /** @return brokers: the settings', or those of the stack the state file records */
    int brokers() {
        return Math.max(settings.brokers(), recorded(BROKERS_KEY));
    }

    /** @return a count the state file records, 1 when none */
    private int recorded(String key) {
        Path file = settings.workDir().resolve(STATE_FILE);
        if (Files.exists(file)) {
            try (var in = Files.newBufferedReader(file)) {
                var state = new Properties();
                state.load(in);
                return Integer.parseInt(state.getProperty(key, "1"));
            } catch (IOException | NumberFormatException e) {
                return 1;
            }
        }
        return 1;
    }

    /**
     * Starts the broker and every service and waits until all are ready.
     *
     * @throws StackException when a port is taken, a jar is missing, or a process fails to start; the message
     *                        names the process and its log
     */
    public void up() {
        if (isRunning()) {
            throw new StackException("a local stack already runs from " + settings.workDir()
                    + "; stop it with ./tokenstream down");
        }
        try {
            Files.deleteIfExists(settings.workDir().resolve(STATE_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        checkBuilt();
        checkPortsFree();
        Map<String, Long> pids = new LinkedHashMap<>();
        try {
            // A quorum of three answers once two run: all are started, then awaited.
            Map<Component, Process> brokers = new LinkedHashMap<>();
            for (Component component : components()) {
                if (component.isBroker()) {
                    Process broker = launchBroker(component, false);
                    brokers.put(component, broker);
                    pids.put(component.name(), broker.pid());
                }
            }
            awaitBrokers(brokers);
            createTopics();
            publishKeys();
            forgetProcessorMembership();
            List<Component> services = components().stream().filter(c -> !c.isBroker()).toList();
            for (Component service : services) {
                pids.put(service.name(), startService(service));
            }
            writeState(pids);
            for (Component service : services) {
                awaitReady(service, pids.get(service.name()));
            }
            progress.printf("Local stack is up: control API %s, WebSocket %s, Kafka %s%n", urls(settings::controlUrl),
                    urls(settings::deliveryUrl).replace("http", "ws"), settings.bootstrapServers());
        } catch (RuntimeException e) {
            writeState(pids);
            down();
            throw e;
        }
    }

    /** Stops every process of the stack recorded in the state file, services first, the broker last. */
    public void down() {
        Map<String, Long> pids = readState();
        if (pids.isEmpty()) {
            progress.println("No local stack is running.");
            return;
        }
        List<String> names = new ArrayList<>(pids.keySet());
        Collections.reverse(names);
        for (String name : names) {
            Optional<ProcessHandle> process = ProcessHandle.of(pids.get(name));
            if (process.isPresent() && process.get().isAlive()) {
                progress.printf("Stopping %s (pid %d)%n", name, pids.get(name));
                stop(process.get());
            }
        }
        try {
            Files.deleteIfExists(settings.workDir().resolve(STATE_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        progress.println("Local stack stopped.");
    }

    /**
     * Kills one process of the running stack with SIGKILL, as a crash would: no shutdown hook runs, nothing is
     * flushed or committed.
     *
     * @param name a process name, as {@link #status()} lists them (e.g. {@code ingest-service})
     * @throws StackException when no such process runs
     */
    public void kill(String name) {
        stopOne(name, true, STOP_TIMEOUT);
    }

    /**
     * Freezes one process of the running stack with SIGSTOP, as a long GC pause, a stuck disk or a starved VM would:
     * its sockets stay open, it answers nothing, its group memberships expire. {@link #wake} lets it go on.
     *
     * @param name a process name, as {@link #status()} lists them
     * @throws StackException when no such process runs, or the signal cannot be sent
     */
    public void hang(String name) {
        signal(name, "STOP");
    }

    /**
     * Lets a process frozen by {@link #hang} go on (SIGCONT), where it stopped.
     *
     * @param name a process name, as {@link #status()} lists them
     * @throws StackException when no such process runs, or the signal cannot be sent
     */
    public void wake(String name) {
        signal(name, "CONT");
    }

    private void signal(String name, String signal) {
        Long pid = readState().get(name);
        if (pid == null || !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            throw new StackException(name + " is not running in the local stack at " + settings.workDir());
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(pid)).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new StackException("cannot send SIG" + signal + " to " + name + " (pid " + pid + ")");
            }
        } catch (IOException e) {
            throw new StackException("cannot send SIG" + signal + " to " + name + " (pid " + pid + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while signalling " + name, e);
        }
        progress.printf("Sent SIG%s to %s (pid %d)%n", signal, name, pid);
    }

    /**
     * Stops one process of the running stack with SIGTERM, as a rollout or a scale-in does, and waits until it has
     * exited (a draining ingest takes up to its drain timeout).
     *
     * @param name a process name, as {@link #status()} lists them
     * @throws StackException when no such process runs, or it is still running after a minute
     */
    public void terminate(String name) {
        stopOne(name, false, TERMINATE_TIMEOUT);
    }

    private void stopOne(String name, boolean kill, Duration timeout) {
        Long pid = readState().get(name);
        ProcessHandle process = pid == null ? null : ProcessHandle.of(pid).filter(ProcessHandle::isAlive).orElse(null);
        if (process == null) {
            throw new StackException(name + " is not running in the local stack at " + settings.workDir());
        }
        String signal = kill ? "SIGKILL" : "SIGTERM";
        if (kill) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
        try {
            process.onExit().get(timeout.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new StackException(name + " (pid " + pid + ") still runs " + timeout.toSeconds() + " s after "
                    + signal, e);
        }
        progress.printf("Stopped %s (pid %d) with %s%n", name, pid, signal);
    }

    /**
     * Starts a process of the stack again after it stopped (a {@link #kill}), on its own data, and waits until it is
     * ready: the broker until it answers, a service until its readiness check passes.
     *
     * @param name a process name, as {@link #status()} lists them
     * @throws StackException when there is no such process, it still runs, or it is not ready in time
     */
    public void restart(String name) {
        Component component = components().stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new StackException("no process named " + name + " in the local stack"));
        Map<String, Long> pids = readState();
        if (Optional.ofNullable(pids.get(name)).flatMap(ProcessHandle::of).map(ProcessHandle::isAlive).orElse(false)) {
            throw new StackException(name + " still runs; kill or stop it first");
        }
        if (component.isBroker()) {
            Process broker = launchBroker(component, true);
            pids.put(name, broker.pid());
            writeState(pids);
            awaitBrokers(Map.of(component, broker));
            return;
        }
        long pid = startService(component, true);
        pids.put(name, pid);
        writeState(pids);
        awaitReady(component, pid);
    }

    /** @return each recorded process with its pid, port and whether it is alive and ready; empty when none */
    public List<ProcessStatus> status() {
        Map<String, Long> pids = readState();
        List<ProcessStatus> statuses = new ArrayList<>();
        for (Component component : components()) {
            Long pid = pids.get(component.name());
            if (pid == null) {
                continue;
            }
            boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            boolean ready = alive && (component.isBroker() ? isPortOpen(component.port())
                    : isReady(component.healthPort()));
            statuses.add(new ProcessStatus(component.name(), pid, component.port(), alive, ready, logFile(component.name())));
        }
        return statuses;
    }

    /** @return whether a stack recorded in the state file still has a live process */
    public boolean isRunning() {
        return readState().values().stream()
                .anyMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    }

    /**
     * One process of a running stack.
     *
     * @param name  process name
     * @param pid   operating system process id
     * @param port  its port
     * @param alive whether the process runs
     * @param ready whether it answers its readiness check
     * @param log   its log file
     */
    public record ProcessStatus(String name, long pid, int port, boolean alive, boolean ready, Path log) {
    }

    private void checkBuilt() {
        if (!Files.isDirectory(kafkaLibs())) {
            throw new StackException("the Kafka broker jars are missing from " + kafkaLibs()
                    + "; build first: ./mvnw -DskipTests package");
        }
        for (Component component : components()) {
            if (!component.isBroker() && !Files.isRegularFile(serviceJar(component))) {
                throw new StackException(component.name() + " is not built (" + serviceJar(component)
                        + " is missing); build first: ./mvnw -DskipTests package");
            }
        }
    }

    private void checkPortsFree() {
        List<String> taken = new ArrayList<>();
        Map<Integer, String> ports = new LinkedHashMap<>();
        for (int i = 1; i <= brokers(); i++) {
            ports.put(settings.controllerPort(i), "the KRaft controller of " + instanceName("kafka", i)
                    + " (TOKENSTREAM_CONTROLLER_PORT)");
        }
        for (Component component : components()) {
            String what = component.name() + " (" + PORT_VARIABLES.get(component.module() == null ? "kafka"
                    : component.module()) + ")";
            ports.put(component.port(), what);
            if (component.hasManagementInterface()) {
                ports.put(component.healthPort(), what + ", its management interface");
            }
        }
        ports.forEach((port, what) -> {
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress("localhost", port));
            } catch (IOException e) {
                taken.add("port " + port + " for " + what);
            }
        });
        if (!taken.isEmpty()) {
            throw new StackException("already in use: " + String.join(", ", taken)
                    + ". Stop what uses them, or choose other ports with the variables named.");
        }
    }

    /** @return broker {@code component}'s node id: 1, 2, 3, as its name ({@code kafka}, {@code kafka-2}, ...) */
    private int nodeId(Component component) {
        return (component.port() - settings.kafkaPort(1)) / StackSettings.INSTANCE_PORT_STEP + 1;
    }

    /**
     * Writes a broker's configuration, formats its storage on the first run and starts it.
     *
     * @param appendLog whether the log goes on (a restart) rather than starting anew
     */
    private Process launchBroker(Component component, boolean appendLog) {
        int node = nodeId(component);
        String name = component.name();
        Path kafkaDir = settings.workDir().resolve(name);
        Path dataDir = settings.workDir().resolve("data").resolve(name);
        Path config = kafkaDir.resolve("server.properties");
        try {
            Files.createDirectories(kafkaDir);
            Files.createDirectories(dataDir);
            Files.createDirectories(settings.workDir().resolve("logs"));
            Files.writeString(config, brokerConfig(node, dataDir), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StackException("cannot write the broker configuration to " + config, e);
        }
        if (!Files.exists(dataDir.resolve("meta.properties"))) {
            progress.println("Formatting Kafka storage (KRaft, first run) in " + dataDir);
            List<String> format = new ArrayList<>(List.of(java(), "-cp", kafkaLibs() + "/*", "kafka.tools.StorageTool",
                    "format", "--ignore-formatted", "-t", clusterId(), "-c", config.toString()));
            if (brokers() == 1) {
                format.add("--standalone");
            }
            Process formatting = launch(format, logFile(name + "-format"), false);
            try {
                if (!formatting.waitFor(60, TimeUnit.SECONDS) || formatting.exitValue() != 0) {
                    throw new StackException("formatting Kafka storage failed; see " + logFile(name + "-format"));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StackException("interrupted while formatting Kafka storage", e);
            }
        }
        progress.printf("Starting Kafka broker %s (KRaft) on localhost:%d%n", name, component.port());
        return launch(List.of(java(), "-Xms256m", "-Xmx512m", "-XX:+UseG1GC",
                "-Dlog4j2.configurationFile=none", "-cp", kafkaLibs() + "/*", "kafka.Kafka", config.toString()),
                logFile(name), appendLog);
    }

    /** @return the cluster id every broker's storage is formatted with, made on the first run */
    private String clusterId() {
        Path file = settings.workDir().resolve("data").resolve("cluster.id");
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(file.getParent());
                Files.writeString(file, Uuid.randomUuid().toString(), StandardCharsets.UTF_8);
            }
            return Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new StackException("cannot keep the Kafka cluster id in " + file, e);
        }
    }

    /** Waits until each broker started is among the cluster's live nodes. */
    private void awaitBrokers(Map<Component, Process> brokers) {
        long started = System.nanoTime();
        try (Admin admin = admin()) {
            while (true) {
                for (var broker : brokers.entrySet()) {
                    if (!broker.getValue().isAlive()) {
                        throw new StackException("the Kafka broker " + broker.getKey().name() + " exited with code "
                                + broker.getValue().exitValue() + "; see " + logFile(broker.getKey().name()));
                    }
                }
                try {
                    var live = admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).stream()
                            .map(org.apache.kafka.common.Node::id).toList();
                    if (brokers.keySet().stream().allMatch(broker -> live.contains(nodeId(broker)))) {
                        break;
                    }
                    TimeUnit.MILLISECONDS.sleep(200);
                } catch (ExecutionException | TimeoutException e) {
                    // not answering yet
                }
                if (System.nanoTime() - started > READY_TIMEOUT.toNanos()) {
                    brokers.values().forEach(Process::destroyForcibly);
                    throw new StackException("the Kafka brokers were not ready within " + READY_TIMEOUT.toSeconds()
                            + " s; see " + logFile(brokers.keySet().iterator().next().name()));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while waiting for Kafka", e);
        }
        progress.printf("Kafka ready in %.1f s (%s)%n", (System.nanoTime() - started) / 1e9,
                brokers.keySet().stream().map(Component::name).collect(java.util.stream.Collectors.joining(", ")));
    }

    private String brokerConfig(int node, Path dataDir) {
        int replicas = settings.replicationFactor();
        int minIsr = settings.minInsyncReplicas();
        List<String> voters = new ArrayList<>();
        for (int i = 1; i <= brokers(); i++) {
            voters.add(i + "@localhost:" + settings.controllerPort(i));
        }
        return String.join("\n",
                "# Written by the Tokenstream local stack: " + brokers() + " node(s), each a broker and a KRaft "
                        + "controller in one JVM.",
                "process.roles=broker,controller",
                "node.id=" + node,
                brokers() == 1 ? "controller.quorum.bootstrap.servers=localhost:" + settings.controllerPort(1)
                        : "controller.quorum.voters=" + String.join(",", voters),
                "listeners=PLAINTEXT://localhost:" + settings.kafkaPort(node) + ",CONTROLLER://localhost:"
                        + settings.controllerPort(node),
                "advertised.listeners=PLAINTEXT://localhost:" + settings.kafkaPort(node),
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "log.dirs=" + dataDir,
                "num.partitions=" + settings.partitions(),
                // The prod overlay's replication with three brokers: a broker's loss loses no acknowledged record.
                "offsets.topic.replication.factor=" + replicas,
                "transaction.state.log.replication.factor=" + replicas,
                "transaction.state.log.min.isr=" + minIsr,
                "share.coordinator.state.topic.replication.factor=" + replicas,
                "share.coordinator.state.topic.min.isr=" + minIsr,
                "default.replication.factor=" + replicas,
                "min.insync.replicas=" + minIsr,
                // A broker that stops heartbeating is fenced, and its partitions led elsewhere, after 2.5 s (Kafka's
                // default is 9 s), as in the prod overlay (docs/scaling.md "Failover").
                "broker.heartbeat.interval.ms=500",
                "broker.session.timeout.ms=2500",
                // A lost active controller is replaced after 1 s without its fetches and an election of 0.5 to 1 s
                // (Kafka's defaults: 2 s and 1 to 2 s).
                "controller.quorum.fetch.timeout.ms=1000",
                "controller.quorum.election.timeout.ms=500",
                "group.initial.rebalance.delay.ms=0",
                // The services' groups notice a lost member after 1 s (docs/scaling.md "Failover"); Kafka's floor
                // is 6 s by default.
                "group.min.session.timeout.ms=1000",
                "auto.create.topics.enable=false",
                "");
    }

    /**
     * Creates the topics of the contract ({@link TopicSpec#ALL}: compacted ones as such, the others with the
     * configured retention) and applies the configured retention to topics that exist already.
     */
    private void createTopics() {
        int partitions = settings.partitions();
        List<NewTopic> topics = new ArrayList<>();
        for (TopicSpec spec : TopicSpec.ALL) {
            topics.add(new NewTopic(spec.name(), spec.partitions(partitions), (short) settings.replicationFactor())
                    .configs(spec.compacted()
                    ? Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)
                    : Map.of(TopicConfig.RETENTION_MS_CONFIG, retentionMs(spec.name()))));
        }
        int created = 0;
        try (Admin admin = admin()) {
            for (var result : admin.createTopics(topics).values().values()) {
                try {
                    result.get(30, TimeUnit.SECONDS);
                    created++;
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new StackException("cannot create topics: " + e.getCause().getMessage(), e.getCause());
                    }
                }
            }
            Map<ConfigResource, Collection<AlterConfigOp>> retention = new HashMap<>();
            settings.retention().forEach((topic, duration) -> retention.put(
                    new ConfigResource(ConfigResource.Type.TOPIC, topic),
                    List.of(new AlterConfigOp(new ConfigEntry(TopicConfig.RETENTION_MS_CONFIG, retentionMs(topic)),
                            AlterConfigOp.OpType.SET))));
            admin.incrementalAlterConfigs(retention).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | InterruptedException | TimeoutException e) {
            throw new StackException("cannot create topics", e);
        }
        progress.printf("Topics ready (%d created, %d partitions each; tokens kept %s; %s topic layout)%n", created,
                partitions, settings.retention().get(Topics.TOKENS), settings.topicLayout());
    }

    /**
     * @return the stack's credentials: the development tenant's API key (what the CLI, the benchmark and the tests
     *         send), the services' key and the stream-token secret, made on the first start
     */
    public DevCredentials credentials() {
        return DevCredentials.of(settings.workDir());
    }

    /** Writes the development tenant's key and the services' key to {@link Topics#API_KEYS}. */
    private void publishKeys() {
        DevCredentials credentials = credentials();
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new EventSerdes.ApiKeys())) {
            for (ApiKey key : credentials.records()) {
                producer.send(new ProducerRecord<>(Topics.API_KEYS, key.keyId(), key)).get(30, TimeUnit.SECONDS);
            }
        } catch (ExecutionException | InterruptedException | TimeoutException e) {
            throw new StackException("cannot write the development API keys", e);
        }
        progress.printf("API keys ready: tenant '%s', key in %s%n", DevCredentials.DEV_TENANT,
                settings.workDir().resolve(DevCredentials.DEV_API_KEY_FILE));
    }

    /**
     * Removes the processor's static member from its consumer group before the processor starts. Otherwise the
     * broker hands a processor that comes back within the session timeout its old assignment without a rebalance,
     * and a new version whose topology has a new state store never gets that store's changelog topic created
     * (only the group leader's assignment creates internal topics). The group then has no member, so the
     * processor's join is a rebalance of one, at once.
     */
    private void forgetProcessorMembership() {
        // A broker just started may not have its group coordinator yet (slow on a loaded machine): asked again.
        long deadline = System.nanoTime() + COORDINATOR_TIMEOUT.toNanos();
        while (true) {
            try {
                removeProcessorMembers();
                return;
            } catch (StackException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException)
                        || System.nanoTime() > deadline) {
                    throw e;
                }
                progress.println("The broker's group coordinator is not up yet; asking again");
            }
        }
    }

    private void removeProcessorMembers() {
        try (Admin admin = admin()) {
            // Kafka Streams gives each stream thread the instance id <group.instance.id>-<thread index>.
            List<MemberToRemove> members = admin.describeConsumerGroups(List.of(PROCESSOR_GROUP)).all()
                    .get(30, TimeUnit.SECONDS).get(PROCESSOR_GROUP).members().stream()
                    .map(member -> member.groupInstanceId().orElse(""))
                    .filter(instance -> instance.startsWith(PROCESSOR_INSTANCE + "-"))
                    .map(MemberToRemove::new).toList();
            if (!members.isEmpty()) {
                admin.removeMembersFromConsumerGroup(PROCESSOR_GROUP, new RemoveMembersFromConsumerGroupOptions(
                        members)).all().get(30, TimeUnit.SECONDS);
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof GroupIdNotFoundException || e.getCause() instanceof UnknownMemberIdException)) {
                throw new StackException("cannot reset the processor's group membership: " + e.getCause().getMessage(),
                        e.getCause());
            }
        } catch (InterruptedException | TimeoutException e) {
            throw new StackException("cannot reset the processor's group membership", e);
        }
    }

    private String retentionMs(String topic) {
        return String.valueOf(settings.retention().get(topic).toMillis());
    }

    private long startService(Component service) {
        return startService(service, false);
    }

    /** @param appendLog whether the log goes on (a restart) rather than starting anew */
    private long startService(Component service, boolean appendLog) {
        List<String> command = new ArrayList<>(List.of(java(), "-Xms64m", "-Xmx384m", "-XX:+UseSerialGC",
                "-Dquarkus.http.port=" + service.port()));
        if (service.hasManagementInterface()) {
            command.add("-Dquarkus.management.port=" + service.healthPort());
        }
        command.addAll(service.args());
        command.addAll(List.of("-jar", serviceJar(service).toString()));
        progress.printf("Starting %s on port %d%n", service.name(), service.port());
        return launch(command, logFile(service.name()), appendLog).pid();
    }

    private void awaitReady(Component service, long pid) {
        long started = System.nanoTime();
        while (!isReady(service.healthPort())) {
            if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                throw new StackException(service.name() + " exited during startup; see " + logFile(service.name())
                        + tail(logFile(service.name())));
            }
            if (System.nanoTime() - started > READY_TIMEOUT.toNanos()) {
                throw new StackException(service.name() + " was not ready within " + READY_TIMEOUT.toSeconds()
                        + " s; see " + logFile(service.name()) + tail(logFile(service.name())));
            }
            try {
                TimeUnit.MILLISECONDS.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StackException("interrupted while waiting for " + service.name(), e);
            }
        }
        progress.printf("%s ready%n", service.name());
    }

    private boolean isReady(int port) {
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(
                            URI.create("http://localhost:" + port + "/q/health/ready")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static boolean isPortOpen(int port) {
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress("localhost", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void stop(ProcessHandle process) {
        process.destroy();
        try {
            process.onExit().get(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
        }
    }

    private Process launch(List<String> command, Path log, boolean append) {
        try {
            Files.createDirectories(log.getParent());
            var builder = new ProcessBuilder(command);
            if (!command.contains("kafka.Kafka")) {
                // Secrets in the environment, not on the command line that ps shows.
                DevCredentials credentials = credentials();
                builder.environment().put("TOKENSTREAM_SERVICE_KEY", credentials.serviceKey());
                builder.environment().put("STREAM_TOKEN_SECRET", credentials.streamTokenSecret());
            }
            return builder
                    .directory(settings.home().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(append ? ProcessBuilder.Redirect.appendTo(log.toFile())
                            : ProcessBuilder.Redirect.to(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new StackException("cannot start " + command.get(command.size() - 1) + ": " + e.getMessage(), e);
        }
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000));
    }

    private void writeState(Map<String, Long> pids) {
        var state = new Properties();
        pids.forEach((name, pid) -> state.setProperty(name, String.valueOf(pid)));
        state.setProperty(INSTANCES_KEY, String.valueOf(instances()));
        state.setProperty(BROKERS_KEY, String.valueOf(brokers()));
        try {
            Files.createDirectories(settings.workDir());
            try (var out = Files.newBufferedWriter(settings.workDir().resolve(STATE_FILE))) {
                state.store(out, "Tokenstream local stack: process name = pid");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Map<String, Long> readState() {
        Path file = settings.workDir().resolve(STATE_FILE);
        Map<String, Long> pids = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return pids;
        }
        var state = new Properties();
        try (var in = Files.newBufferedReader(file)) {
            state.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Component component : components()) {
            String pid = state.getProperty(component.name());
            if (pid != null) {
                pids.put(component.name(), Long.parseLong(pid));
            }
        }
        return pids;
    }

    Path logFile(String name) {
        return settings.workDir().resolve("logs").resolve(name + ".log");
    }

    private Path kafkaLibs() {
        return settings.home().resolve("local-stack/target/kafka-libs");
    }

    private Path serviceJar(Component service) {
        return settings.home().resolve(service.module()).resolve("target/quarkus-app/quarkus-run.jar");
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return "\n  last lines:\n    " + String.join("\n    ", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "";
        }
    }
}
