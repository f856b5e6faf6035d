package io.codehub.hub.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A Docker engine of the test's own, beside the machine's: its own socket, data root, exec root
 * (and so its own containerd) and bridge, so a test can stop and restart it, as an operator's
 * upgrade or a crash would, without touching the engine every other test uses. Images it needs
 * are copied in from the machine's engine ({@code docker save | docker load}: no registry here).
 * Published ports go through Docker's userland proxy on 127.0.0.1 (the engine runs without
 * iptables). Needs root, as the NAT lab does; {@link #close()} removes everything it made.
 */
public final class PrivateDockerd implements AutoCloseable {

    private static final Duration COMMAND = Duration.ofSeconds(60);
    private static final Duration UP = Duration.ofSeconds(60);

    private final Path dir;
    private final String bridge;
    private final String bridgeAddress;
    private Process process;

    private PrivateDockerd(Path dir, String bridge, String bridgeAddress) {
        this.dir = dir;
        this.bridge = bridge;
        this.bridgeAddress = bridgeAddress;
    }

    /** Starts an engine under a new directory with {@code images} (already on the machine's engine) loaded. */
    public static PrivateDockerd create(String... images) throws IOException {
        String suffix = HexFormat.of().toHexDigits((byte) ThreadLocalRandom.current().nextInt(256))
                + HexFormat.of().toHexDigits((byte) ThreadLocalRandom.current().nextInt(256));
        // Short: the engine's and containerd's sockets live under it (a socket path has at most 107 bytes).
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "chd");
        PrivateDockerd engine = new PrivateDockerd(dir, "chd" + suffix,
                "10.213." + ThreadLocalRandom.current().nextInt(1, 255) + ".1/24");
        try {
            engine.check(List.of("ip", "link", "add", engine.bridge, "type", "bridge"));
            engine.check(List.of("ip", "addr", "add", engine.bridgeAddress, "dev", engine.bridge));
            engine.check(List.of("ip", "link", "set", engine.bridge, "up"));
            engine.start();
            for (String image : images) {
                engine.check(List.of("sh", "-c", "docker save " + image + " | docker -H " + engine.host() + " load"));
            }
            return engine;
        } catch (RuntimeException | IOException e) {
            engine.close();
            throw e;
        }
    }

    /** The engine's address, for {@code DOCKER_HOST} or {@code CODEHUB_AGENT_DOCKER_HOST}. */
    public String host() {
        return "unix://" + dir.resolve("docker.sock");
    }

    /** Starts the engine (again) with the same state, and returns once it answers. */
    public void start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("the private engine is already running");
        }
        process = new ProcessBuilder("dockerd", "--host", host(), "--data-root", dir.resolve("root").toString(),
                "--exec-root", dir.resolve("exec").toString(), "--pidfile", dir.resolve("docker.pid").toString(),
                "--bridge", bridge, "--iptables=false")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("dockerd.log").toFile()))
                .start();
        long deadline = System.nanoTime() + UP.toNanos();
        while (docker("info").exitCode() != 0) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the private engine did not come up in " + UP + "; its log: "
                        + Files.readString(dir.resolve("dockerd.log")));
            }
            pause();
        }
    }

    /**
     * Stops the engine as {@code systemctl stop docker} does (SIGTERM, waiting for it to exit):
     * without live restore, it stops its containers first.
     */
    public void stop() throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** Whether the engine process is running. */
    public boolean running() {
        return process != null && process.isAlive();
    }

    /** Runs the docker CLI against this engine. */
    public NatLab.Result docker(String... args) {
        List<String> command = new ArrayList<>(List.of("docker", "-H", host()));
        command.addAll(List.of(args));
        return NatLab.run(command, COMMAND);
    }

    /** Removes the engine's containers and volumes, stops it, and removes its bridge and directory. */
    @Override
    public void close() {
        try {
            if (running()) {
                NatLab.run(List.of("sh", "-c", "docker -H " + host() + " ps -aq | xargs -r docker -H " + host()
                        + " rm -f; docker -H " + host() + " volume prune -f"), COMMAND);
            }
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            NatLab.run(List.of("ip", "link", "del", bridge), COMMAND);
            // dockerd mounts its data root over itself and leaves overlay mounts behind when killed.
            NatLab.run(List.of("sh", "-c", "grep -o ' " + dir + "[^ ]*' /proc/self/mounts | sort -r"
                    + " | xargs -r -n1 umount -l"), COMMAND);
            TestFiles.deleteRecursively(dir);
        }
    }

    private void check(List<String> command) {
        NatLab.Result result = NatLab.run(command, COMMAND);
        if (result.exitCode() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + result.exitCode() + "): "
                    + result.output() + (result.output().contains("Operation not permitted")
                            ? " (a private Docker engine needs root, as the NAT lab does)" : ""));
        }
    }

    private static void pause() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the private engine", e);
        }
    }
}
