package io.codehub.hub.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One NAT lab ({@code deploy/natlab/natlab}) for a test class: hub, router and site network
 * namespaces, optionally with the site's own Docker engine, whose ports published on 127.0.0.1
 * are on the site's loopback (as on a real site where the agent and its engine share a host).
 * {@link #up} builds it, {@link #close} removes it (namespaces, engine, containers, mounts); every
 * call runs the script as a process with a bound, and fails with the script's output when it
 * exits non-zero. Needs root. Not thread-safe: a test class drives its lab from one thread.
 */
public final class NatLab implements AutoCloseable {

    /** The script, seen from a module's directory (where Failsafe runs). */
    public static final Path SCRIPT = Path.of("..", "deploy", "natlab", "natlab").toAbsolutePath().normalize();

    private final String id;
    private final boolean docker;

    private NatLab(String id, boolean docker) {
        this.id = id;
        this.docker = docker;
    }

    /**
     * Builds a lab with a fresh random id starting with {@code prefix} (one letter or digit); with
     * {@code docker}, also starts the site's Docker engine and waits until it answers.
     */
    public static NatLab up(String prefix, boolean docker) {
        if (!prefix.matches("[a-z0-9]")) {
            throw new IllegalArgumentException("prefix: '" + prefix + "' (expected: one lower-case letter or digit)");
        }
        String id = prefix + HexFormat.of().formatHex(new byte[] {(byte) ThreadLocalRandom.current().nextInt(),
                (byte) ThreadLocalRandom.current().nextInt()});
        NatLab lab = new NatLab(id, docker);
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString(), "up", id));
        if (docker) {
            command.add("--docker");
        }
        // The script removes a half-built lab itself when up fails.
        run(command, Duration.ofSeconds(docker ? 90 : 30)).orThrow();
        return lab;
    }

    /** The lab's id, as the script names its namespaces ({@code ch<id>-site}) and directories. */
    public String id() {
        return id;
    }

    /** The site engine's address ({@code unix:///run/codehub-natlab-<id>/docker.sock}). */
    public String dockerHost() {
        requireDocker();
        return run(List.of(SCRIPT.toString(), "docker-host", id), Duration.ofSeconds(10)).orThrow().strip();
    }

    /**
     * Copies images from the machine's engine into the site's (those already there with the same
     * image id are skipped); returns the script's report, one line per image.
     */
    public String loadImages(String... images) {
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString(), "load-image", id));
        command.addAll(List.of(images));
        return run(command, Duration.ofSeconds(120)).orThrow();
    }

    /**
     * Stops the site's dockerd as {@code systemctl stop docker} does (SIGTERM, waiting for it to
     * exit: without live-restore it stops its containers first); its containerd and state stay.
     */
    public void dockerStop() {
        requireDocker();
        run(List.of(SCRIPT.toString(), "docker-stop", id), Duration.ofSeconds(90)).orThrow();
    }

    /** Starts the site's dockerd again on the same state, and returns once it answers. */
    public void dockerStart() {
        requireDocker();
        run(List.of(SCRIPT.toString(), "docker-start", id), Duration.ofSeconds(90)).orThrow();
    }

    /** Runs the docker CLI against the site's engine, from the root namespace (through its socket). */
    public Result docker(String... args) {
        List<String> command = new ArrayList<>(List.of("docker", "-H", dockerHost()));
        command.addAll(List.of(args));
        return run(command, Duration.ofSeconds(60));
    }

    private void requireDocker() {
        if (!docker) {
            throw new IllegalStateException("lab " + id + " was built without --docker: it has no engine");
        }
    }

    /** Runs {@code command} in the namespace of {@code role} ({@code hub}, {@code rtr}, {@code site}). */
    public Result exec(String role, Duration timeout, String... command) {
        List<String> full = new ArrayList<>(List.of(SCRIPT.toString(), "exec", id, role));
        full.addAll(List.of(command));
        return run(full, timeout);
    }

    /** A process builder for a long-running {@code command} in the namespace of {@code role}. */
    public ProcessBuilder processBuilder(String role, String... command) {
        List<String> full = new ArrayList<>(List.of(SCRIPT.toString(), "exec", id, role));
        full.addAll(List.of(command));
        return new ProcessBuilder(full);
    }

    /** Removes the lab; fails when the script could not remove everything (it says what is left). */
    public void down() {
        run(List.of(SCRIPT.toString(), "down", id), Duration.ofSeconds(120)).orThrow();
    }

    /** {@link #down}, for try-with-resources and {@code @AfterAll}. */
    @Override
    public void close() {
        down();
    }

    /**
     * Runs {@code command} (stderr merged into stdout) and waits at most {@code timeout}; a command
     * still running then is killed and reported as exit code -1.
     */
    public static Result run(List<String> command, Duration timeout) {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        }
        // Read while the command runs: a full pipe would block it.
        FutureTask<String> output = new FutureTask<>(() -> read(process.getInputStream()));
        Thread reader = new Thread(output, "natlab-output");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                return new Result(command, -1, "timed out after " + timeout);
            }
            return new Result(command, process.exitValue(), output.get(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the output of " + command, e);
        }
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A finished command: its exit code (-1 when it timed out) and its merged output.
     *
     * @param command  what ran
     * @param exitCode the exit code
     * @param output   stdout and stderr
     */
    public record Result(List<String> command, int exitCode, String output) {

        /** The output, or an exception naming the command, its exit code and its output. */
        public String orThrow() {
            if (exitCode != 0) {
                throw new IllegalStateException(command + " exited " + exitCode + ": " + output);
            }
            return output;
        }
    }
}
