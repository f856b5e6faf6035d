package io.codehub.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * The memory of another JVM on this machine, read from outside: its resident set from
 * {@code /proc/<pid>/status}, and its Java heap in use after a full collection through
 * {@code jcmd} (the JDK's attach mechanism, no JMX port).
 */
final class ProcessMemory {

    /** What one look at a process found; {@code heapBytes} is -1 when jcmd could not tell. */
    record Sample(long residentBytes, long heapBytes) {
    }

    private static final Pattern VM_RSS = Pattern.compile("(?m)^VmRSS:\\s+(\\d+) kB$");
    /** "garbage-first heap total 262144K, used 19853K" (G1), "def new generation total 4928K, used 2179K" (Serial), ... */
    private static final Pattern HEAP_USED = Pattern.compile("(?m)^\\s*(?!Metaspace|class space)[a-zA-Z][^\\n]*?"
            + "total \\d+K, used (\\d+)K");
    /** "ZHeap           used 42M, capacity 378M, max capacity 6028M" (ZGC, generational or not). */
    private static final Pattern Z_HEAP_USED = Pattern.compile("(?m)^\\s*ZHeap\\s+used (\\d+)([KMG])");

    private ProcessMemory() {
    }

    /** A full GC, then the heap in use and the resident set. */
    static Sample afterGc(long pid) throws IOException, InterruptedException {
        long heap = -1;
        if (jcmd(pid, "GC.run") != null) {
            String info = jcmd(pid, "GC.heap_info");
            if (info != null) {
                heap = heapUsed(info);
            }
        }
        return new Sample(resident(pid), heap);
    }

    /** The heap in use that {@code jcmd GC.heap_info} printed (G1, Serial, Parallel, ZGC), or -1. */
    static long heapUsed(String info) {
        Matcher m = HEAP_USED.matcher(info);
        long used = 0;
        boolean found = false;
        while (m.find()) {
            used += Long.parseLong(m.group(1)) * 1024;
            found = true;
        }
        Matcher z = Z_HEAP_USED.matcher(info);
        if (!found && z.find()) {
            used = Long.parseLong(z.group(1)) << switch (z.group(2)) {
                case "K" -> 10;
                case "M" -> 20;
                default -> 30;
            };
            found = true;
        }
        return found ? used : -1;
    }

    /**
     * Sets the native memory baseline of a JVM started with {@code -XX:NativeMemoryTracking=summary}
     * (through {@code CODEHUB_BENCH_HUB_JAVA_OPTS}, say); false when it tracks nothing.
     */
    static boolean nativeBaseline(long pid) throws IOException, InterruptedException {
        String out = jcmd(pid, "VM.native_memory baseline");
        return out != null && (out.contains("Baseline taken") || out.contains("Baseline succeeded"));
    }

    /**
     * What changed since {@link #nativeBaseline}: the total and each category whose committed
     * memory moved, one per line ({@code jcmd VM.native_memory summary.diff}, condensed).
     */
    static String nativeDiff(long pid) throws IOException, InterruptedException {
        String out = jcmd(pid, "VM.native_memory summary.diff");
        if (out == null) {
            return "";
        }
        StringBuilder lines = new StringBuilder();
        for (String line : out.lines().toList()) {
            String trimmed = line.trim();
            if ((trimmed.startsWith("Total:") || trimmed.startsWith("- ")) && trimmed.matches(".*committed=\\S+ [+-].*")) {
                lines.append(trimmed.startsWith("- ") ? trimmed.substring(2).trim() : trimmed).append('\n');
            }
        }
        return lines.toString();
    }

    /** VmRSS of the process, in bytes. */
    static long resident(long pid) throws IOException {
        String status = Files.readString(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.US_ASCII);
        Matcher m = VM_RSS.matcher(status);
        if (!m.find()) {
            throw new IllegalStateException("/proc/" + pid + "/status has no VmRSS line");
        }
        return Long.parseLong(m.group(1)) * 1024;
    }

    /** The output of {@code jcmd <pid> <command>}, or null (with a line on stderr) when it failed. */
    private static @Nullable String jcmd(long pid, String command) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (!Files.isExecutable(jcmd)) {
            System.err.println("[bench] " + jcmd + " is missing (a JRE, not a JDK): the hub's heap is not measured");
            return null;
        }
        // Into a file, so that a jcmd that hangs cannot block this thread past the wait below.
        Path output = Files.createTempFile("codehub-bench-jcmd", ".txt");
        try {
            Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                System.err.println("[bench] jcmd " + pid + " " + command + " did not finish within 60 s");
                return null;
            }
            String text = Files.readString(output, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                System.err.println("[bench] jcmd " + pid + " " + command + " exited " + process.exitValue() + ": "
                        + text.trim());
                return null;
            }
            return text;
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
