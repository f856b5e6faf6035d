package io.codehub.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A JVM a test runs as a process of its own (a jar, or a main class on a classpath) with the JDK
 * running the test, the environment it inherited minus every {@code CODEHUB_*} variable plus its
 * own, and its output appended to {@code <name>.log}. It can be killed as a crash would (SIGKILL)
 * and started again with the same command and environment.
 */
final class JavaProcess implements AutoCloseable {

    private static final List<String> JVM_OPTIONS = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    private final String name;
    private final List<String> command;
    private final Map<String, String> environment;
    private final Path directory;
    private final Path log;
    private Process process;

    private JavaProcess(String name, List<String> arguments, Map<String, String> environment, Path directory) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTIONS);
        command.addAll(arguments);
        this.name = name;
        this.command = List.copyOf(command);
        this.environment = Map.copyOf(environment);
        this.directory = directory;
        this.log = directory.resolve(name + ".log");
    }

    /** Starts {@code java -jar jar} in {@code directory}. */
    static JavaProcess jar(String name, Path jar, Map<String, String> environment, Path directory) throws IOException {
        JavaProcess process = new JavaProcess(name, List.of("-jar", jar.toString()), environment, directory);
        process.start();
        return process;
    }

    /** Starts {@code java -cp classpath mainClass arguments...} in {@code directory}. */
    static JavaProcess main(String name, String classpath, String mainClass, List<String> arguments, Path directory)
            throws IOException {
        List<String> all = new ArrayList<>(List.of("-cp", classpath, mainClass));
        all.addAll(arguments);
        JavaProcess process = new JavaProcess(name, all, Map.of(), directory);
        process.start();
        return process;
    }

    /** Starts the process (again, after {@link #kill()}), appending to its log. */
    void start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is running already");
        }
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().keySet().removeIf(variable -> variable.startsWith("CODEHUB_"));
        builder.environment().putAll(environment);
        process = builder.start();
    }

    /** Fails, with the end of its log, when the process has exited: for the conditions of waits. */
    void requireAlive() {
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited with " + process.exitValue() + "; the end of " + log + ":\n"
                    + logTail());
        }
    }

    /** Kills the process at once (SIGKILL), as a crash would, and waits until it is gone. */
    void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException(name + " (pid " + process.pid() + ") outlived SIGKILL by 30 s");
            }
        }
    }

    /** The last few thousand characters of its output. */
    String logTail() {
        try {
            return ExternalCommand.tail(Files.readString(log, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return "(" + log + " cannot be read: " + e + ")";
        }
    }

    String name() {
        return name;
    }

    /** Stops the process (SIGTERM), and kills it when it has not ended within 20 s. */
    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
