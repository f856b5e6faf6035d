package io.codehub.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.codehub.tunnel.AuthDecision;
import io.codehub.tunnel.ConnectorListener;
import io.codehub.tunnel.HubSessionInfo;
import io.codehub.tunnel.Keepalive;
import io.codehub.tunnel.NettyDefaults;
import io.codehub.tunnel.TunnelConnector;
import io.codehub.tunnel.TunnelListener;
import io.codehub.tunnel.TunnelServer;
import io.codehub.tunnel.TunnelSession;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import org.jspecify.annotations.Nullable;

/**
 * How long a tunnel whose path died takes to be replaced: a hub ({@link TunnelServer}, TLS,
 * default keepalive) and an agent ({@link TunnelConnector}, default reconnect policy) in one
 * process inside a network namespace of its own, where {@code iptables} then drops every packet
 * of the tunnel's TCP flow in both directions, without FIN or RST, as a NAT or firewall that lost
 * the flow's state does. Measured: from the drop to the hub's next session of that agent (the
 * replacement), and what closed the old one on the agent (the kernel's "Connection timed out"
 * from the dead-path probes, or the application's idle deadline). Each run waits a random part of
 * a keepalive interval first, so the drop falls anywhere between two PINGs.
 *
 * <p>Only addresses inside the namespace are used (its loopback); the namespace, and with it its
 * rules, is deleted on every path. Needs root, {@code ip} and {@code iptables}.
 */
final class HalfOpenBench {

    /** One replacement: seconds from the drop to the new session, and why the agent closed the old one. */
    record Run(double seconds, String agentCause) {
    }

    private static final String AGENT = "half-open-agent";
    private static final Duration REPLACED_WITHIN = Duration.ofSeconds(45);
    private static final Duration COMMAND = Duration.ofSeconds(20);

    private HalfOpenBench() {
    }

    /**
     * {@code bench half-open [--runs N] [--json FILE]}: {@code half_open_replaced_seconds} (median,
     * with {@code _min} and {@code _max}) against the target of 10 s, and each run's cause.
     */
    static void report(String[] args) throws Exception {
        int runs = Integer.parseInt(Args.value(args, "--runs", "5"));
        List<Run> results = run(runs);
        double[] seconds = results.stream().mapToDouble(Run::seconds).sorted().toArray();
        for (int i = 0; i < results.size(); i++) {
            System.out.printf("[bench] run %d: replaced after %.2f s; the agent closed the old session on: %s%n", i + 1,
                    results.get(i).seconds(), results.get(i).agentCause());
        }
        double max = seconds[seconds.length - 1];
        System.out.printf("half-open tunnel replaced (s): min %.2f, median %.2f, max %.2f over %d runs; target <= 10 in "
                + "every run: %s%n", seconds[0], seconds[seconds.length / 2], max, seconds.length, max <= 10 ? "met" : "MISSED");
        String json = Args.value(args, "--json", null);
        if (json != null) {
            Files.writeString(Path.of(json), String.format(Locale.ROOT,
                    "{\"half_open_replaced_seconds\": %.3f, \"half_open_replaced_seconds_min\": %.3f, "
                            + "\"half_open_replaced_seconds_max\": %.3f, \"half_open_runs\": %d}%n",
                    seconds[seconds.length / 2], seconds[0], max, seconds.length));
            System.out.println("wrote " + json);
        }
    }

    /** From the root namespace: a namespace of its own, {@code runs} replacements measured in it, the namespace deleted. */
    static List<Run> run(int runs) throws Exception {
        String namespace = "chho" + HexFormat.of().formatHex(new byte[] {(byte) ThreadLocalRandom.current().nextInt(),
                (byte) ThreadLocalRandom.current().nextInt()});
        command(List.of("ip", "netns", "add", namespace));
        Process inside = null;
        try {
            command(List.of("ip", "-n", namespace, "link", "set", "lo", "up"));
            List<String> java = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
            java.addAll(Bench.Child.javaCommand(HalfOpenBench.class, Integer.toString(runs)));
            inside = new ProcessBuilder(java).redirectErrorStream(true).start();
            List<Run> results = new ArrayList<>();
            List<String> output = new ArrayList<>();
            long deadline = System.nanoTime() + REPLACED_WITHIN.plusSeconds(15).multipliedBy(runs + 1).toNanos();
            Process process = inside;
            Thread killer = new Thread(() -> {
                try {
                    if (!process.waitFor(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                        process.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    process.destroyForcibly();
                }
            }, "half-open-deadline");
            killer.setDaemon(true);
            killer.start();
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(inside.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.startsWith("run ")) {
                        String[] parts = line.split(" ", 3);
                        results.add(new Run(Double.parseDouble(parts[1]), parts[2]));
                    } else {
                        output.add(line);
                    }
                }
            }
            int exit = inside.waitFor();
            if (exit != 0 || results.size() != runs) {
                throw new IllegalStateException("the measurement in namespace " + namespace + " exited with " + exit
                        + " after " + results.size() + " of " + runs + " runs; its output:\n" + String.join("\n", output));
            }
            return results;
        } finally {
            if (inside != null) {
                inside.destroyForcibly();
                inside.waitFor(10, TimeUnit.SECONDS);
            }
            command(List.of("ip", "netns", "del", namespace));
        }
    }

    /** Inside the namespace: one hub and one agent, {@code args[0]} replacements, one {@code run <seconds> <cause>} line each. */
    public static void main(String[] args) throws Exception {
        NettyDefaults.apply(); // as the hub and the agent start
        int runs = Integer.parseInt(args[0]);
        BlockingQueue<TunnelSession> opened = new LinkedBlockingQueue<>();
        BlockingQueue<String> agentClosed = new LinkedBlockingQueue<>();
        SelfSignedCertificate certificate = SelfSignedCertificate.builder().fqdn("localhost").algorithm("EC").bits(256)
                .build();
        TunnelServer server = TunnelServer.builder().bindAddress(new InetSocketAddress("127.0.0.1", 0))
                .hubId("half-open-hub")
                .sslContext(SslContextBuilder.forServer(certificate.key(), certificate.cert()).build())
                .authenticator(request -> CompletableFuture.completedFuture(AuthDecision.accept(AGENT, null)))
                .listener(new TunnelListener() {
                    @Override
                    public void sessionOpened(TunnelSession session) {
                        opened.add(session);
                    }
                })
                .build();
        int port = server.start().get(30, TimeUnit.SECONDS).getPort();
        TunnelConnector connector = TunnelConnector.builder()
                .hubUri(URI.create("tls://127.0.0.1:" + port))
                .sslContext(SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build())
                .tlsServerName("localhost")
                .apiKey("chk_" + AGENT + "_" + "h".repeat(43)).agentVersion("bench/1")
                .streamHandlerFactory((stream, headers, endStream) -> {
                    throw new IllegalStateException("no streams in this bench");
                })
                .listener(new ConnectorListener() {
                    @Override
                    public void sessionClosed(HubSessionInfo session, @Nullable Throwable cause) {
                        agentClosed.add(cause == null ? "an orderly close" : String.valueOf(cause));
                    }
                })
                .build();
        connector.start();
        try {
            TunnelSession current = next(opened, "the first session");
            for (int i = 0; i < runs; i++) {
                // Anywhere between two of the hub's PINGs (15 s apart by default; the agent's kernel
                // probes the path after 5 s of quiet between them).
                long interval = Keepalive.DEFAULT.interval().toMillis();
                Thread.sleep(ThreadLocalRandom.current().nextLong(500, interval + 500));
                int agentPort = current.remoteAddress().getPort();
                List<List<String>> rules = List.of(
                        List.of("INPUT", "-p", "tcp", "--sport", Integer.toString(agentPort), "-j", "DROP"),
                        List.of("INPUT", "-p", "tcp", "--dport", Integer.toString(agentPort), "-j", "DROP"));
                for (List<String> rule : rules) {
                    iptables("-I", rule);
                }
                long dropped = System.nanoTime();
                TunnelSession replacement = next(opened, "a new session after the drop (run " + (i + 1) + ")");
                double seconds = (System.nanoTime() - dropped) / 1e9;
                String cause = agentClosed.poll(5, TimeUnit.SECONDS);
                for (List<String> rule : rules) {
                    iptables("-D", rule);
                }
                System.out.printf(Locale.ROOT, "run %.3f %s%n", seconds,
                        cause == null ? "(the old session was still open on the agent)" : cause.replace('\n', ' '));
                current = replacement;
            }
        } finally {
            connector.stop().get(30, TimeUnit.SECONDS);
            server.close().get(30, TimeUnit.SECONDS);
        }
        System.exit(0);
    }

    private static TunnelSession next(BlockingQueue<TunnelSession> opened, String what) throws InterruptedException {
        TunnelSession session = opened.poll(REPLACED_WITHIN.toSeconds(), TimeUnit.SECONDS);
        if (session == null) {
            throw new IllegalStateException("no " + what + " within " + REPLACED_WITHIN);
        }
        return session;
    }

    private static void iptables(String action, List<String> rule) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("iptables", "-w", "5", action));
        command.addAll(rule);
        command(command);
    }

    private static void command(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!process.waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + ": no exit within " + COMMAND);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited with " + process.exitValue() + ": " + output);
        }
    }
}
