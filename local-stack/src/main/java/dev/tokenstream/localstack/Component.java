package dev.tokenstream.localstack;

import java.util.List;

/**
 * One process of the local stack.
 *
 * @param name   its name in progress lines, logs and the state file
 * @param port   its HTTP port (the client port for the broker)
 * @param module the Maven module whose {@code target/quarkus-app/quarkus-run.jar} it runs; null for the broker
 * @param args   the JVM system properties it starts with
 */
record Component(String name, int port, String module, List<String> args) {

    /** A service's management interface (health, metrics) listens this far above its HTTP port: 8080, 9080. */
    static final int MANAGEMENT_OFFSET = 1000;

    boolean isBroker() {
        return module == null;
    }

    /** @return whether its health and metrics are on a management interface of their own (the four services) */
    boolean hasManagementInterface() {
        return module != null && !module.equals("provider-simulator");
    }

    /** @return the port whose {@code /q/health/ready} says it is ready */
    int healthPort() {
        return hasManagementInterface() ? port + MANAGEMENT_OFFSET : port;
    }
}
