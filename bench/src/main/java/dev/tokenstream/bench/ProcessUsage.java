package dev.tokenstream.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * CPU time and resident memory of the processes a scenario runs on, by name: CPU from the operating system's
 * accounting of each process ({@link ProcessHandle.Info#totalCpuDuration()}), resident set size from
 * {@code /proc/<pid>/status} (Linux; absent elsewhere).
 */
public final class ProcessUsage {

    private final Map<String, Long> pids;
    private final Map<String, Duration> cpuAtStart = new LinkedHashMap<>();

    /** @param pids the processes to watch, by name */
    ProcessUsage(Map<String, Long> pids) {
        this.pids = pids;
        pids.forEach((name, pid) -> cpuAtStart.put(name, cpu(pid)));
    }

    /**
     * One process over a scenario.
     *
     * @param cpuSecondsPer1000Tokens CPU seconds it used for every 1000 tokens the clients received
     * @param rssMiB                  its resident set size at the end, MiB; null where unknown
     */
    public record Usage(double cpuSecondsPer1000Tokens, Double rssMiB) {
    }

    /** @return each process's usage since this object was made, for {@code tokens} tokens received */
    Map<String, Usage> since(long tokens) {
        Map<String, Usage> usage = new LinkedHashMap<>();
        pids.forEach((name, pid) -> {
            double seconds = (cpu(pid).toNanos() - cpuAtStart.get(name).toNanos()) / 1e9;
            usage.put(name, new Usage(tokens == 0 ? 0 : seconds * 1000 / tokens, rssMiB(pid)));
        });
        return usage;
    }

    /**
     * @param elapsed the time since this object was made
     * @return each process's CPU since this object was made, in cores (CPU seconds per second of {@code elapsed})
     */
    Map<String, Double> coresOver(Duration elapsed) {
        Map<String, Double> cores = new LinkedHashMap<>();
        pids.forEach((name, pid) -> cores.put(name, (cpu(pid).toNanos() - cpuAtStart.get(name).toNanos())
                / (double) elapsed.toNanos()));
        return cores;
    }

    private static Duration cpu(long pid) {
        return ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration()).orElse(Duration.ZERO);
    }

    /**
     * The live heap of a JVM: {@code jcmd <pid> GC.class_histogram} runs a full collection and totals what it
     * keeps. {@code jcmd} is taken from beside the process's own {@code java}.
     *
     * @return MiB, or null when the process is not a JVM with a {@code jcmd} beside it, or does not answer
     */
    static Double liveHeapMiB(long pid) {
        var java = ProcessHandle.of(pid).flatMap(h -> h.info().command()).map(Path::of);
        if (java.isEmpty() || !java.get().getFileName().toString().equals("java")) {
            return null;
        }
        Path jcmd = java.get().resolveSibling("jcmd");
        if (!Files.isExecutable(jcmd)) {
            return null;
        }
        try {
            Process process = new ProcessBuilder(jcmd.toString(), String.valueOf(pid), "GC.class_histogram")
                    .redirectErrorStream(true).start();
            String total = null;
            try (var lines = process.inputReader().lines()) {
                for (String line : (Iterable<String>) lines::iterator) {
                    if (line.startsWith("Total ")) {
                        total = line;
                    }
                }
            }
            if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0 || total == null) {
                return null;
            }
            String[] columns = total.trim().split("\\s+");
            return Long.parseLong(columns[columns.length - 1]) / (1024.0 * 1024.0);
        } catch (IOException | NumberFormatException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static Double rssMiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or the process is gone
        }
        return null;
    }
}
