package dev.tokenstream.localstack;

import java.util.List;

/**
 * One process of the local stack.
 *
 * @param name   its name in progress lines, logs and the state file
 * @param port   the HTTP port whose {@code /q/health/ready} says it is ready (the client port for the broker)
 * @param module the Maven module whose {@code target/quarkus-app/quarkus-run.jar} it runs; null for the broker
 * @param args   the JVM system properties it starts with
 */
record Component(String name, int port, String module, List<String> args) {

    boolean isBroker() {
        return module == null;
    }
}
