package io.codehub.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

import io.codehub.pki.Pem;
import io.codehub.tunnel.AuthDecision;
import io.codehub.tunnel.NettyDefaults;
import io.codehub.tunnel.ServerTls;
import io.codehub.tunnel.TunnelAuthenticator;
import io.codehub.tunnel.TunnelLimits;
import io.codehub.tunnel.TunnelServer;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import io.netty.util.internal.PlatformDependent;
import org.jspecify.annotations.Nullable;

/**
 * The hub side of a benchmark: a {@link TunnelServer} with TLS on 127.0.0.1, accepting
 * {@code chk_<id>_bench} keys and {@code t-<id>} resumption tickets. Reports {@code sessions N}
 * on stdout four times a second, and answers {@code measure} on stdin with
 * {@code memory heap=H direct=D rss=R} after garbage collection, and {@code touch-young} with
 * {@code young ...} once its young generation is resident ({@link #touchYoungGeneration}).
 */
public final class BenchHub {

    /** Held so that the level set on it stays (JUL keeps loggers weakly). */
    private static final Logger TUNNEL_LOG = Logger.getLogger("io.codehub.tunnel");

    /** The bench's certificate (P-256, as pki issues), made once per bench process. */
    private static @Nullable SelfSignedCertificate certificate;

    /** Where {@link #touchYoungGeneration} puts what it allocates to fill eden, so that it is not optimised away. */
    private static volatile byte @Nullable [] garbage;

    private BenchHub() {
    }

    /** The arguments of a hub on {@code port} with the bench's certificate. */
    static synchronized String[] args(int port) throws CertificateException {
        if (certificate == null) {
            certificate = SelfSignedCertificate.builder().fqdn("localhost").algorithm("EC").bits(256).build();
        }
        return new String[] {"--port", Integer.toString(port), "--cert", certificate.certificate().getPath(),
            "--key", certificate.privateKey().getPath()};
    }

    public static void main(String[] args) throws Exception {
        NettyDefaults.apply(); // as the hub and the agent start
        TUNNEL_LOG.setLevel(java.util.logging.Level.WARNING); // one line per session would drown the results
        long mainAt = ManagementFactory.getRuntimeMXBean().getUptime();
        int port = Integer.parseInt(Args.value(args, "--port", "17443"));
        // Read from files, as a real hub does: made once per bench, so that a restart does not pay for it.
        SslContext tls = ServerTls.forIdleConnections(ServerTls.forServer( // as the hub's tunnel port (TunnelTls)
                Pem.readPrivateKey(Path.of(Args.value(args, "--key", null)), null),
                Pem.readCertificates(Path.of(Args.value(args, "--cert", null)))).build());
        TunnelServer server = TunnelServer.builder()
                .bindAddress(new InetSocketAddress("127.0.0.1", port))
                .hubId("bench-hub")
                .sslContext(tls)
                .authenticator(authenticator())
                // Every simulated agent connects from 127.0.0.1: the per-address cap of handshakes
                // (128 by default, for a NAT'd site's share) would turn the fleet's reconnect into a
                // storm of closed connections and backoffs that real agents from many addresses never see.
                .limits(TunnelLimits.defaults().toBuilder().maxTunnels(50_000).maxHandshakesPerAddress(50_000).build())
                .build();
        long tlsAt = ManagementFactory.getRuntimeMXBean().getUptime();
        server.start().get(30, TimeUnit.SECONDS);
        // Milliseconds since the JVM started: where a slow start went (JVM, certificate and TLS, bind).
        System.out.println("ready " + port + " main=" + mainAt + " tls=" + tlsAt + " listening="
                + ManagementFactory.getRuntimeMXBean().getUptime());
        ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor();
        reporter.scheduleAtFixedRate(() -> System.out.println("sessions " + server.sessions().size()),
                250, 250, TimeUnit.MILLISECONDS);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.equals("measure")) {
                System.out.println(memory());
            } else if (line.equals("touch-young")) {
                System.out.println(touchYoungGeneration());
            }
        }
        reporter.shutdownNow();
        server.close().get(30, TimeUnit.SECONDS);
    }

    private static TunnelAuthenticator authenticator() {
        return request -> {
            String key = request.apiKey();
            String ticket = request.resumptionTicket();
            if (ticket != null && ticket.startsWith("t-")) {
                return CompletableFuture.completedFuture(AuthDecision.accept(ticket.substring(2), ticket));
            }
            if (key != null && key.startsWith("chk_") && key.endsWith("_bench")) {
                String id = key.substring(4, key.length() - 6);
                return CompletableFuture.completedFuture(AuthDecision.accept(id, "t-" + id));
            }
            return CompletableFuture.completedFuture(AuthDecision.reject(401, "unknown key", null));
        };
    }

    /** Heap and direct memory in use after collecting garbage. */
    static String memory() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long direct = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                direct += pool.getMemoryUsed();
            }
        }
        long nettyDirect = PlatformDependent.usedDirectMemory();
        return "memory heap=" + heap + " direct=" + (direct + Math.max(0, nettyDirect)) + " rss=" + residentBytes();
    }

    /**
     * Makes the whole young generation resident, as it is in any hub that has taken a connect storm:
     * fills eden until a young collection, twice, each time with a survivor space's worth of live
     * objects, so that the collection copies into each survivor space in turn. The serial collector's
     * survivor spaces are 12.6 MB each at this machine's default heap; a hub touches one of them at
     * its first young collection under load and the other at its second. Before, {@code idle-tunnels}
     * connected its halves with one young collection in each, and the second half was charged the
     * other survivor space: 12.6 MB, 2.5 KB a tunnel of 5,000, that 5,000 more tunnels do not cost
     * again. The serial collector only (the bench hub's default); with any other the heap is left as
     * it is. Each round allocates at most four times eden before it gives up waiting for the
     * collection.
     *
     * @return {@code young eden=E survivor=S collections=C}, or {@code young skipped (COLLECTOR)}
     */
    static String touchYoungGeneration() {
        MemoryPoolMXBean eden = pool("Eden Space");
        MemoryPoolMXBean survivor = pool("Survivor Space");
        GarbageCollectorMXBean young = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .filter(c -> List.of(c.getMemoryPoolNames()).contains("Eden Space")
                        && !List.of(c.getMemoryPoolNames()).contains("Tenured Gen"))
                .findFirst().orElse(null);
        if (eden == null || survivor == null || young == null) {
            return "young skipped (" + ManagementFactory.getGarbageCollectorMXBeans().get(0).getName() + ")";
        }
        long survivorBytes = survivor.getUsage().getCommitted();
        long bound = 4 * eden.getUsage().getCommitted();
        long before = young.getCollectionCount();
        for (int round = 0; round < 2; round++) {
            List<byte[]> live = new ArrayList<>();
            for (long held = 0; held < survivorBytes; held += 512) {
                live.add(new byte[512 - 16]); // 512 bytes with its header
            }
            long count = young.getCollectionCount();
            for (long allocated = 0; young.getCollectionCount() == count && allocated < bound; allocated += 4096) {
                garbage = new byte[4096];
            }
            live.clear();
        }
        garbage = null;
        return "young eden=" + eden.getUsage().getCommitted() + " survivor=" + survivorBytes
                + " collections=" + (young.getCollectionCount() - before);
    }

    private static @Nullable MemoryPoolMXBean pool(String name) {
        return ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getName().equals(name)).findFirst().orElse(null);
    }

    /**
     * The process's resident set (Linux {@code VmRSS}): what heap + direct leave out, such as the
     * native TLS library's per-connection state, is in here; 0 where /proc is not there.
     */
    static long residentBytes() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }
}
