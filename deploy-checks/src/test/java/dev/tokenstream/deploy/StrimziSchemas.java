package dev.tokenstream.deploy;

import dev.tokenstream.testsupport.ExternalCommand;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Strimzi's CustomResourceDefinitions for the kinds k8s/ uses, generated the way Strimzi generates the CRDs it
 * ships: its {@code crd-generator} run over its {@code api} classes (Maven Central, {@code io.strimzi}, version
 * in this module's POM, copied to {@code target/strimzi-libs}). Both are Java 21 bytecode, so the generator runs
 * in a JDK 21 or later of this machine: {@code JAVA_HOME}, the running JVM, or one under {@code /usr/lib/jvm}.
 */
final class StrimziSchemas {

    /** The Strimzi kinds k8s/ uses, by API class. */
    private static final Map<String, String> KINDS = Map.of(
            "io.strimzi.api.kafka.model.kafka.Kafka", "kafka.yaml",
            "io.strimzi.api.kafka.model.nodepool.KafkaNodePool", "kafkanodepool.yaml",
            "io.strimzi.api.kafka.model.topic.KafkaTopic", "kafkatopic.yaml",
            "io.strimzi.api.kafka.model.user.KafkaUser", "kafkauser.yaml");
    private static final int GENERATOR_JAVA = 21;

    private StrimziSchemas() {
    }

    /** @return the folder of the generated CRD YAMLs, made once per build */
    static Path generate(Path moduleTarget) {
        Path crds = moduleTarget.resolve("strimzi-crds");
        if (Files.isRegularFile(crds.resolve("kafkauser.yaml"))) {
            return crds;
        }
        Path java = java().orElseThrow(() -> new IllegalStateException("Strimzi's CRD generator needs a JDK "
                + GENERATOR_JAVA + " or later; none found in JAVA_HOME, the running JVM or /usr/lib/jvm"));
        try {
            Files.createDirectories(crds);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = new ArrayList<>(List.of(java.toString(), "-cp",
                moduleTarget.resolve("strimzi-libs") + "/*", "io.strimzi.crdgenerator.CrdGenerator", "--yaml",
                "--api-versions", "v1", "--storage-version", "v1"));
        KINDS.forEach((type, file) -> command.add(type + "=" + crds.resolve(file)));
        var output = ExternalCommand.run(moduleTarget, Duration.ofMinutes(2), Map.of(),
                command.toArray(String[]::new));
        if (output.exit() != 0) {
            throw new IllegalStateException("Strimzi's CRD generator failed:\n" + output.text());
        }
        return crds;
    }

    private static Optional<Path> java() {
        List<Path> homes = new ArrayList<>();
        Optional.ofNullable(System.getenv("JAVA_HOME")).map(Path::of).ifPresent(homes::add);
        homes.add(Path.of(System.getProperty("java.home")));
        try (Stream<Path> installed = Files.list(Path.of("/usr/lib/jvm"))) {
            installed.sorted().forEach(homes::add);
        } catch (IOException e) {
            // no JDKs there
        }
        return homes.stream().filter(home -> feature(home) >= GENERATOR_JAVA)
                .map(home -> home.resolve("bin/java")).filter(Files::isExecutable).findFirst();
    }

    /** @return the Java feature version of the JDK at {@code home} (its {@code release} file), 0 when unknown */
    private static int feature(Path home) {
        var release = new Properties();
        try (var in = Files.newBufferedReader(home.resolve("release"))) {
            release.load(in);
            String version = release.getProperty("JAVA_VERSION", "\"0\"").replace("\"", "");
            return Integer.parseInt(version.split("[.+-]")[0]);
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }
}
