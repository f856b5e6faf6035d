package io.codehub.hub.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of the test's own (its own cluster directory and port, trust auth on
 * 127.0.0.1), so that a test can stop and restart it, as a failover or an upgrade would, without
 * touching the server every other test uses. Made with the machine's PostgreSQL binaries
 * ({@code /usr/lib/postgresql/<version>/bin}), run as the {@code postgres} user (the server refuses
 * root); needs root to switch to it. {@link #close()} stops it and removes the cluster.
 */
public final class PrivatePostgres implements AutoCloseable {

    private static final Duration COMMAND = Duration.ofSeconds(90);

    private final Path dir;
    private final Path bin;
    private final int port;

    private PrivatePostgres(Path dir, Path bin, int port) {
        this.dir = dir;
        this.bin = bin;
        this.port = port;
    }

    /** Creates a cluster on a free loopback port and starts it. */
    public static PrivatePostgres create() throws IOException {
        Path bin = binaries();
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "chpg");
        PrivatePostgres server = new PrivatePostgres(dir, bin, AgentProcess.freePort());
        try {
            check(List.of("chown", "postgres", dir.toString()));
            server.asPostgres(bin.resolve("initdb").toString(), "-D", server.data(), "-A", "trust", "-U", "postgres",
                    "--no-sync", "-E", "UTF8");
            server.start();
            return server;
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** {@code postgresql://postgres@127.0.0.1:<port>/postgres}, as the hub's database URL takes it. */
    public String url() {
        return "postgresql://postgres@127.0.0.1:" + port + "/postgres";
    }

    /** Starts the server and waits until it accepts connections. */
    public void start() {
        asPostgres(bin.resolve("pg_ctl").toString(), "-D", data(), "-l", dir.resolve("server.log").toString(), "-w",
                "-t", "60", "-o", "-p " + port + " -c listen_addresses=127.0.0.1 -k " + dir + " -c fsync=off", "start");
    }

    /**
     * Stops the server the hard way ({@code -m immediate}: every connection cut, transactions in
     * flight never committed, crash recovery at the next start), as a crash or a failover would.
     */
    public void crash() {
        asPostgres(bin.resolve("pg_ctl").toString(), "-D", data(), "-m", "immediate", "-w", "stop");
    }

    @Override
    public void close() {
        try {
            if (Files.exists(dir.resolve("data").resolve("postmaster.pid"))) {
                NatLab.run(List.of("runuser", "-u", "postgres", "--", bin.resolve("pg_ctl").toString(), "-D", data(),
                        "-m", "immediate", "-w", "stop"), COMMAND);
            }
        } finally {
            TestFiles.deleteRecursively(dir);
        }
    }

    private String data() {
        return dir.resolve("data").toString();
    }

    private void asPostgres(String... command) {
        List<String> full = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        full.addAll(List.of(command));
        check(full);
    }

    private static void check(List<String> command) {
        NatLab.Result result = NatLab.run(command, COMMAND);
        if (result.exitCode() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + result.exitCode() + "): "
                    + result.output() + (result.output().contains("ermission") || result.output().contains("not permitted")
                            ? " (a private PostgreSQL needs root to run as the postgres user)" : ""));
        }
    }

    private static Path binaries() throws IOException {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            throw new IllegalStateException("no PostgreSQL binaries in " + root + " (.ci/prepare-env installs them)");
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.filter(version -> Files.isExecutable(version.resolve("bin").resolve("pg_ctl")))
                    .max(Comparator.comparingInt(version -> Integer.parseInt(version.getFileName().toString()
                            .replaceAll("\\D.*", "0"))))
                    .map(version -> version.resolve("bin"))
                    .orElseThrow(() -> new IllegalStateException("no pg_ctl under " + root));
        }
    }
}
