package dev.tokenstream.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Programs the tests run outside the JVM (node, npm, kubectl, docker-compose, apt-get), and the installs they
 * need: the project's own files install what the suite needs, so a fresh machine runs it too.
 */
public final class ExternalCommand {

    private ExternalCommand() {
    }

    /**
     * What a command printed and how it ended.
     *
     * @param exit its exit code
     * @param text standard output and standard error, interleaved
     */
    public record Output(int exit, String text) {
    }

    /**
     * Runs {@code command} in {@code directory} and waits for it.
     *
     * @param environment variables to add to this JVM's environment
     * @throws IllegalStateException when it runs past {@code timeout} (it is killed) or cannot start
     */
    public static Output run(Path directory, Duration timeout, Map<String, String> environment, String... command) {
        try {
            var builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
            builder.environment().putAll(environment);
            Process process = builder.start();
            var text = new StringBuilder();
            Thread reader = new Thread(() -> {
                try {
                    text.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    text.append("(output lost: ").append(e.getMessage()).append(')');
                }
            });
            reader.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " ran past " + timeout);
            }
            reader.join();
            return new Output(process.exitValue(), text.toString());
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        }
    }

    /**
     * Installs a node project's packages from its lock file ({@code npm ci}) unless {@code installed} are there.
     *
     * @return the project
     * @throws IllegalStateException when npm fails
     */
    public static Path npmInstalled(Path project, List<String> installed) {
        if (installed.stream().allMatch(name -> Files.isDirectory(project.resolve("node_modules").resolve(name)))) {
            return project;
        }
        Output install = run(project, Duration.ofMinutes(5), Map.of(), "npm", "ci", "--no-audit", "--no-fund");
        if (install.exit() != 0) {
            throw new IllegalStateException("npm ci in " + project + " failed:\n" + install.text());
        }
        return project;
    }

    /**
     * Installs a Debian package with apt-get when {@code executable} is missing (the machines here run the tests
     * as root).
     *
     * @return {@code executable}
     * @throws IllegalStateException when the install fails
     */
    public static Path debianInstalled(String debianPackage, Path executable) {
        if (!Files.isExecutable(executable)) {
            Output install = run(Path.of("."), Duration.ofMinutes(10), Map.of("DEBIAN_FRONTEND", "noninteractive"),
                    "sh", "-c", "apt-get update -qq && apt-get install -y -qq " + debianPackage);
            if (install.exit() != 0 || !Files.isExecutable(executable)) {
                throw new IllegalStateException("installing Debian's " + debianPackage + " (needs root) failed:\n"
                        + install.text());
            }
        }
        return executable;
    }
}
