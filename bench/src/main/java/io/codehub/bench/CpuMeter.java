package io.codehub.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Where the machine's CPU went during a phase, by process group ({@code client}, {@code hub},
 * the agents, {@code docker-proxy}, the apps), read from {@code /proc/<pid>/stat} and
 * {@code /proc/stat}; what no named process used is {@code other} (the Docker engine, the kernel's
 * softirq threads, anything else running on the machine). Linux only; a process that is gone
 * counts as zero.
 */
final class CpuMeter {

    /**
     * CPU ticks (USER_HZ) at one instant: each group's, in the kernel (system time) and in all, and
     * the whole machine's, busy and in all.
     */
    record Snapshot(long nanos, Map<String, Long> ticks, Map<String, Long> systemTicks, long machineBusy, long machineTotal) {
    }

    private final Map<String, List<Long>> groups;

    /** {@code groups}: a name and the process ids it sums, in the order they are reported. */
    CpuMeter(Map<String, List<Long>> groups) {
        this.groups = new LinkedHashMap<>(groups);
    }

    Snapshot snapshot() {
        Map<String, Long> ticks = new LinkedHashMap<>();
        Map<String, Long> system = new LinkedHashMap<>();
        groups.forEach((name, pids) -> {
            long all = 0;
            long kernel = 0;
            for (long pid : pids) {
                long[] t = processTicks(pid);
                all += t[0] + t[1];
                kernel += t[1];
            }
            ticks.put(name, all);
            system.put(name, kernel);
        });
        long[] machine = machineTicks();
        return new Snapshot(System.nanoTime(), ticks, system, machine[0], machine[1]);
    }

    /**
     * Cores each group kept busy between two snapshots, with the share spent in the kernel in
     * parentheses, e.g. {@code client 0.61 (0.30), hub 0.55 (0.21), ..., other 0.12 (machine 1.95 of 2)}.
     */
    static String between(Snapshot from, Snapshot to) {
        double seconds = (to.nanos() - from.nanos()) / 1e9;
        if (seconds <= 0) {
            return "";
        }
        int cores = Runtime.getRuntime().availableProcessors();
        double hz = 100.0;
        long named = 0;
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, Long> e : to.ticks().entrySet()) {
            long used = e.getValue() - from.ticks().getOrDefault(e.getKey(), 0L);
            long kernel = to.systemTicks().getOrDefault(e.getKey(), 0L) - from.systemTicks().getOrDefault(e.getKey(), 0L);
            named += used;
            out.append(String.format(Locale.ROOT, "%s %.2f (%.2f), ", e.getKey(), used / hz / seconds, kernel / hz / seconds));
        }
        long busy = to.machineBusy() - from.machineBusy();
        long total = to.machineTotal() - from.machineTotal();
        double machineCores = total == 0 ? 0 : cores * (double) busy / total;
        double other = Math.max(0, machineCores - named / hz / seconds);
        return out.append(String.format(Locale.ROOT, "other %.2f (machine %.2f of %d cores busy)", other, machineCores,
                cores)).toString();
    }

    /**
     * CPU ticks (USER_HZ) the JIT compiler threads ({@code C1 CompilerThre…}, {@code C2 CompilerThre…})
     * of the JVM {@code pid} have used so far; zero when it is gone. A JVM whose compilers stopped
     * using CPU runs the code it will keep running: steady state.
     */
    static long compilerTicks(long pid) {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        long ticks = 0;
        try (var threads = Files.list(tasks)) {
            for (Path task : (Iterable<Path>) threads::iterator) {
                String name = readName(task);
                if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
                    long[] t = statTicks(task.resolve("stat"));
                    ticks += t[0] + t[1];
                }
            }
        } catch (IOException | RuntimeException e) {
            return ticks;
        }
        return ticks;
    }

    private static String readName(Path task) {
        try {
            return Files.readString(task.resolve("comm"), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return ""; // the thread ended
        }
    }

    /** {utime, stime} of a process (all its threads); zeros when it is gone. */
    private static long[] processTicks(long pid) {
        return statTicks(Path.of("/proc", Long.toString(pid), "stat"));
    }

    /** {utime, stime} of a {@code /proc} stat file (a process's or one thread's); zeros when it is gone. */
    private static long[] statTicks(Path file) {
        try {
            String stat = Files.readString(file, StandardCharsets.US_ASCII);
            // The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new long[] {Long.parseLong(fields[11]), Long.parseLong(fields[12])};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    /** {busy, total} ticks of every CPU together. */
    private static long[] machineTicks() {
        try {
            String line = Files.readAllLines(Path.of("/proc/stat"), StandardCharsets.US_ASCII).get(0);
            long[] v = List.of(line.trim().split("\\s+")).stream().skip(1).mapToLong(Long::parseLong).toArray();
            long total = 0;
            for (int i = 0; i < Math.min(v.length, 8); i++) {
                total += v[i];
            }
            long idle = v[3] + (v.length > 4 ? v[4] : 0);
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    @Override
    public String toString() {
        return groups.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
    }
}
