package io.codehub.bench;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.codehub.tunnel.AuthDecision;
import io.codehub.tunnel.TunnelConnector;
import io.codehub.tunnel.TunnelLimits;
import io.codehub.tunnel.TunnelServer;
import io.codehub.tunnel.TunnelSession;
import io.codehub.tunnel.TunnelStream;
import io.codehub.tunnel.TunnelStreamHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.handler.ssl.util.SelfSignedCertificate;

/**
 * Bulk streams through one tunnel (plain and TLS) against raw loopback TCP measured in the same run,
 * and the throughput of a stream next to a stalled sibling (one whose reader stopped reading) as a
 * share of its throughput alone. Both ends run in this process, as do both ends of the TCP baseline.
 */
final class BulkBench {

    record Result(double tcpMbps, double tunnelMbps, double tunnelTlsMbps, double stalledSiblingRatio) {
    }

    private static final int CHUNK = 64 * 1024;
    private static final byte[] PAYLOAD = new byte[CHUNK];
    /** What the agent writes: a direct buffer, as Netty's pooled allocator gives the agent's handlers. */
    private static final ByteBuf DIRECT_PAYLOAD = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(CHUNK).writeBytes(PAYLOAD).asReadOnly());
    /** The defaults, which the hub and the agent use. */
    private static final TunnelLimits LIMITS = TunnelLimits.defaults();

    private BulkBench() {
    }

    /** The transport and TLS implementation these numbers were measured with. */
    static String stack() {
        return "transport " + io.codehub.tunnel.TunnelTransport.name() + ", TLS "
                + SslContext.defaultServerProvider() + " (" + (io.netty.handler.ssl.OpenSsl.isAvailable()
                        ? io.netty.handler.ssl.OpenSsl.versionString() : "JDK") + ")";
    }

    /** Rounds of each measurement; the median is reported, so one disturbed round does not decide. */
    static final int ROUNDS = 5;

    static Result run(long bytes) throws Exception {
        double[] tcp = new double[ROUNDS];
        double[] plain = new double[ROUNDS];
        double[] beside = new double[ROUNDS];
        try (Pair pair = Pair.start(false)) {
            stream(pair.session, bytes / 4); // warm-up
            tcp(bytes / 4);
            // Interleaved, so that whatever else the machine does weighs on both alike.
            long tcpCpu = 0;
            long tunnelCpu = 0;
            for (int i = 0; i < ROUNDS; i++) {
                long c0 = cpu();
                tcp[i] = tcp(bytes);
                long c1 = cpu();
                plain[i] = stream(pair.session, bytes);
                long c2 = cpu();
                tcpCpu += c1 - c0;
                tunnelCpu += c2 - c1;
            }
            System.out.printf("  process CPU per GB moved: raw TCP %.2f s, tunnel %.2f s%n",
                    tcpCpu / 1e9 / (ROUNDS * bytes / 1e9), tunnelCpu / 1e9 / (ROUNDS * bytes / 1e9));
            TunnelStream stalled = open(pair.session, bytes, null); // never reads: its window fills and stays full
            for (int i = 0; i < ROUNDS; i++) {
                beside[i] = stream(pair.session, bytes);
            }
            stalled.reset(io.netty.handler.codec.http2.Http2Error.CANCEL);
        }
        double[] tls = new double[ROUNDS];
        try (Pair pair = Pair.start(true)) {
            stream(pair.session, bytes / 4);
            for (int i = 0; i < ROUNDS; i++) {
                tls[i] = stream(pair.session, bytes);
            }
        }
        return new Result(median(tcp), median(plain), median(tls), median(beside) / median(plain));
    }

    private static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** MB/s of one download of {@code bytes} through {@code session}. */
    private static double stream(TunnelSession session, long bytes) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        long start = System.nanoTime();
        open(session, bytes, done);
        done.get(120, TimeUnit.SECONDS);
        return bytes / 1e6 / ((System.nanoTime() - start) / 1e9);
    }

    /** Opens a download; with {@code done == null} nothing is ever read (a stalled reader). */
    private static TunnelStream open(TunnelSession session, long bytes, CompletableFuture<Void> done) throws Exception {
        AtomicLong received = new AtomicLong();
        TunnelStream[] self = new TunnelStream[1];
        TunnelStream stream = session.openStream(new TunnelStreamHandler() {
            @Override
            public void onHeaders(Http2Headers headers, boolean endStream) {
                if (done != null) {
                    self[0].request(1);
                }
            }

            @Override
            public void onData(ByteBuf data, boolean endStream) {
                received.addAndGet(data.readableBytes());
                data.release();
                if (done != null) {
                    if (endStream) {
                        done.complete(null);
                    } else {
                        self[0].request(1);
                    }
                }
            }
        }).get(10, TimeUnit.SECONDS);
        self[0] = stream;
        if (done != null) {
            stream.request(16); // inbound frames, the response's HEADERS included, arrive only as requested
        }
        stream.writeHeaders(new DefaultHttp2Headers().method("GET").scheme("http").authority("agent")
                .path("/bulk?bytes=" + bytes), true);
        return stream;
    }

    /**
     * The agent side: answers {@code /bulk?bytes=N} with N bytes, writing ahead while the stream is
     * writable and resuming when it becomes writable again, as the agent's response writer does.
     */
    private static TunnelStreamHandler download(TunnelStream stream, Http2Headers headers) {
        long bytes = Long.parseLong(headers.path().toString().substring("/bulk?bytes=".length()));
        stream.writeHeaders(new DefaultHttp2Headers().status("200"), false);
        Download download = new Download(stream, bytes);
        download.pump();
        return download;
    }

    private static final class Download implements TunnelStreamHandler {
        private final TunnelStream stream;
        private long remaining;

        Download(TunnelStream stream, long remaining) {
            this.stream = stream;
            this.remaining = remaining;
        }

        void pump() {
            while (remaining > 0 && stream.isWritable()) {
                int size = (int) Math.min(CHUNK, remaining);
                remaining -= size;
                stream.writeData(DIRECT_PAYLOAD.retainedSlice(0, size), remaining == 0);
            }
        }

        @Override
        public void onWritabilityChanged(boolean writable) {
            if (writable) {
                pump();
            }
        }

        @Override
        public void onHeaders(Http2Headers trailers, boolean endStream) {
        }

        @Override
        public void onData(ByteBuf data, boolean endStream) {
            data.release();
        }
    }

    /** MB/s of {@code bytes} over a plain loopback TCP connection, blocking sockets, 64 KiB writes. */
    private static double tcp(long bytes) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread writer = new Thread(() -> {
                try (Socket socket = server.accept(); OutputStream out = socket.getOutputStream()) {
                    for (long left = bytes; left > 0; left -= CHUNK) {
                        out.write(PAYLOAD, 0, (int) Math.min(CHUNK, left));
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "bench-tcp-writer");
            writer.start();
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                    InputStream in = socket.getInputStream()) {
                byte[] buffer = new byte[CHUNK];
                in.readNBytes(buffer, 0, 1); // the clock starts with the first byte, as for the tunnel's headers
                long start = System.nanoTime();
                long read = 1;
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    read += n;
                }
                double mbps = read / 1e6 / ((System.nanoTime() - start) / 1e9);
                writer.join(10_000);
                return mbps;
            }
        }
    }

    /** A hub and an agent side of one tunnel in this process. */
    private record Pair(TunnelServer server, TunnelConnector connector, TunnelSession session) implements AutoCloseable {

        static Pair start(boolean tls) throws Exception {
            SslContext serverTls = null;
            SslContext clientTls = null;
            if (tls) {
                SelfSignedCertificate certificate = SelfSignedCertificate.builder().fqdn("localhost").algorithm("EC")
                        .bits(256).build();
                serverTls = SslContextBuilder.forServer(certificate.key(), certificate.cert()).build();
                clientTls = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
            }
            var builder = TunnelServer.builder().bindAddress(new InetSocketAddress("127.0.0.1", 0)).hubId("bench-hub")
                    .authenticator(request -> CompletableFuture.completedFuture(AuthDecision.accept("bulk-agent", null)))
                    .limits(LIMITS);
            if (serverTls != null) {
                builder.sslContext(serverTls);
            }
            TunnelServer server = builder.build();
            InetSocketAddress address = server.start().get(30, TimeUnit.SECONDS);
            var connectorBuilder = TunnelConnector.builder()
                    .hubUri(URI.create((tls ? "tls" : "tcp") + "://127.0.0.1:" + address.getPort()))
                    .apiKey("chk_bulk-agent_" + "b".repeat(43)).agentVersion("bench/1")
                    .streamHandlerFactory((stream, headers, endStream) -> download(stream, headers)).limits(LIMITS);
            if (clientTls != null) {
                connectorBuilder.sslContext(clientTls).tlsServerName("localhost");
            }
            TunnelConnector connector = connectorBuilder.build();
            connector.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (server.session("bulk-agent").isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            TunnelSession session = server.session("bulk-agent")
                    .orElseThrow(() -> new IllegalStateException("the bulk agent did not connect"));
            return new Pair(server, connector, session);
        }

        @Override
        public void close() throws Exception {
            connector.stop().get(30, TimeUnit.SECONDS);
            server.close().get(30, TimeUnit.SECONDS);
        }
    }
}
