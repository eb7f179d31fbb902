package dev.tokenstream.cli;

import dev.tokenstream.localstack.LocalStack;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

/** {@code up}, {@code down} and {@code status}: the local stack in the background. */
final class StackCommands {

    private StackCommands() {
    }

    @Command(name = "up", description = "Start Kafka and every service in the background (logs in .tokenstream/logs).")
    static final class Up implements Callable<Integer> {
        @ParentCommand
        TokenstreamCli cli;

        @Option(names = "--instances", paramLabel = "N", description = "Instances of each service (1 to 9; default "
                + "TOKENSTREAM_INSTANCES, else 1): instance i listens 10 * (i - 1) above the first one's port.")
        Integer instances;

        @Option(names = "--brokers", paramLabel = "N", description = "Kafka brokers, each a KRaft controller too (1 "
                + "or 3; default TOKENSTREAM_BROKERS, else 1): with 3, every topic has 3 replicas and "
                + "min.insync.replicas 2, as in the prod overlay; broker i listens 10 * (i - 1) above the first one's "
                + "ports.")
        Integer brokers;

        @Override
        public Integer call() {
            LocalStack stack = cli.stack();
            if (instances != null) {
                stack = new LocalStack(stack.settings().withInstances(instances), System.out);
            }
            if (brokers != null) {
                stack = new LocalStack(stack.settings().withBrokers(brokers), System.out);
            }
            stack.up();
            return 0;
        }
    }

    @Command(name = "down", description = "Stop the local stack.")
    static final class Down implements Callable<Integer> {
        @ParentCommand
        TokenstreamCli cli;

        @Override
        public Integer call() {
            cli.stack().down();
            return 0;
        }
    }

    @Command(name = "status", description = "Say what runs where.")
    static final class Status implements Callable<Integer> {
        @ParentCommand
        TokenstreamCli cli;

        @Override
        public Integer call() {
            var statuses = cli.stack().status();
            if (statuses.isEmpty()) {
                System.out.println("No local stack is running. Start one with ./tokenstream up");
                return 3;
            }
            System.out.printf("%-20s %8s %6s  %-9s %s%n", "PROCESS", "PID", "PORT", "STATE", "LOG");
            boolean allReady = true;
            for (LocalStack.ProcessStatus s : statuses) {
                String state = !s.alive() ? "stopped" : s.ready() ? "ready" : "starting";
                allReady &= s.ready();
                System.out.printf("%-20s %8d %6d  %-9s %s%n", s.name(), s.pid(), s.port(), state, s.log());
            }
            return allReady ? 0 : 1;
        }
    }
}
