package io.codehub.clients;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One of the project's runnable jars ({@code hub/target/codehub-hub.jar}, {@code
 * agent/target/codehub-agent.jar}, built by the reactor before this module) run as it ships: a
 * process configured by environment variables, listening on loopback, its output in a log file.
 */
final class JarProcess implements AutoCloseable {

    private static final Duration READY = Duration.ofSeconds(90);

    private final String name;
    private final Process process;
    private final Path log;

    private JarProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts a private copy of {@code jar} (a build running beside the test may replace the jar) in
     * {@code dir} with {@code environment}, and returns once {@code readiness} answers 200.
     */
    static JarProcess start(String name, Path jar, Path dir, Map<String, String> environment, URI readiness)
            throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar.toAbsolutePath().normalize() + " is missing: build it first "
                    + "(mvn -pl api-clients -am verify builds it before this test)");
        }
        Files.createDirectories(dir);
        Path copy = Files.copy(jar, dir.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        Path log = dir.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder("java", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar",
                copy.toAbsolutePath().toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        JarProcess started = new JarProcess(name, builder.start(), log);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest probe = HttpRequest.newBuilder(readiness).timeout(Duration.ofSeconds(2)).build();
        try {
            await().atMost(READY).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
                if (!started.process.isAlive()) {
                    throw new IllegalStateException(name + " exited with " + started.process.exitValue());
                }
                return http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            });
        } catch (RuntimeException e) {
            started.close();
            throw new IllegalStateException(name + " did not become ready at " + readiness + "; its log:\n"
                    + Files.readString(log), e);
        }
        return started;
    }

    /** The process's output so far, for a failure message. */
    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }

    /** A loopback port that was free a moment ago. */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
