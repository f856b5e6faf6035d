package io.codehub.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The peer {@code bench gateway --ssh} compares the tunnel path with: OpenSSH's remote forward,
 * {@code ssh -R}, as an operator would set it up for an app behind NAT. A private {@code sshd} on a
 * free 127.0.0.1 port (its own host key, config, authorized key and pid file in {@code dir}; key
 * authentication only, remote forwards only, bound to loopback) plays the hub; an {@code ssh -N -R}
 * client plays the agent, dialling out and forwarding a 127.0.0.1 port on the sshd side to the app.
 * Both with OpenSSH's default cipher and options. Loopback only; the processes go to {@code register}
 * so the stack stops them.
 *
 * @param port the 127.0.0.1 port on the sshd side that reaches the app through the SSH connection
 * @param sshd the sshd process (its per-connection children do the forwarding)
 * @param ssh  the ssh client process
 */
record SshReverseTunnel(int port, Process sshd, Process ssh) {

    static final Path SSHD = Path.of("/usr/sbin/sshd");

    /** Starts sshd and {@code ssh -R} to {@code 127.0.0.1:appPort}; the caller waits until the port answers. */
    static SshReverseTunnel start(Path dir, int sshdPort, int forwardPort, int appPort, Consumer<Process> register)
            throws IOException, InterruptedException {
        if (!Files.isExecutable(SSHD) || !Files.isExecutable(Path.of("/usr/bin/ssh-keygen"))) {
            throw new IllegalStateException("--ssh needs OpenSSH's server: apt-get install openssh-server ("
                    + SSHD + " is missing)");
        }
        Path ssh = Files.createDirectories(dir.resolve("ssh"));
        // sshd refuses to start without its privilege separation directory.
        Files.createDirectories(Path.of("/run/sshd"));
        keygen(ssh.resolve("host_key"));
        keygen(ssh.resolve("client_key"));
        Files.copy(ssh.resolve("client_key.pub"), ssh.resolve("authorized_keys"));
        Files.writeString(ssh.resolve("sshd_config"), String.join("\n",
                "Port " + sshdPort,
                "ListenAddress 127.0.0.1",
                "HostKey " + ssh.resolve("host_key"),
                "PidFile " + ssh.resolve("sshd.pid"),
                "AuthorizedKeysFile " + ssh.resolve("authorized_keys"),
                "StrictModes no",
                "UsePAM no",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "AllowTcpForwarding remote",
                "GatewayPorts no",
                "X11Forwarding no",
                "PermitTTY no",
                ""));
        Process sshd = start(List.of(SSHD.toString(), "-D", "-e", "-f", ssh.resolve("sshd_config").toString()),
                dir.resolve("sshd.log"), register);
        Process client = start(List.of("ssh", "-N", "-T", "-i", ssh.resolve("client_key").toString(),
                "-p", Integer.toString(sshdPort),
                "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "ExitOnForwardFailure=yes", "-o", "ConnectionAttempts=10",
                "-R", "127.0.0.1:" + forwardPort + ":127.0.0.1:" + appPort,
                System.getProperty("user.name") + "@127.0.0.1"), dir.resolve("ssh.log"), register);
        return new SshReverseTunnel(forwardPort, sshd, client);
    }

    /** The pids whose CPU counts for this path: sshd and its per-connection children, and the client. */
    List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        pids.add(sshd.pid());
        sshd.descendants().forEach(p -> pids.add(p.pid()));
        pids.add(ssh.pid());
        return pids;
    }

    private static void keygen(Path key) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IllegalStateException("ssh-keygen failed for " + key);
        }
    }

    private static Process start(List<String> command, Path log, Consumer<Process> register) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        register.accept(process);
        return process;
    }
}
