package io.codehub.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.codehub.pki.Pem;
import io.codehub.tunnel.AuthDecision;
import io.codehub.tunnel.TunnelServer;

/**
 * The real agent ({@code agent/target/codehub-agent.jar}) in its own process, serving both doors:
 * its direct listener on 127.0.0.1 and a tunnel to this process's {@link TunnelServer}. The bench
 * plays the hub: it holds the hub key and signs the tokens the agent checks on both doors.
 */
final class AgentUnderTest implements AutoCloseable {

    static final String AGENT_ID = "bench-agent";
    private static final String API_KEY = "chk_" + AGENT_ID + "_" + "b".repeat(43);

    private final Process process;
    private final TunnelServer server;
    private final int directPort;
    private final String token;
    /** The agent's key, log and archive directory: deleted on close unless CODEHUB_BENCH_KEEP_LOGS=true. */
    private final Path dir;

    private AgentUnderTest(Process process, TunnelServer server, int directPort, String token, Path dir) {
        this.process = process;
        this.dir = dir;
        this.server = server;
        this.directPort = directPort;
        this.token = token;
    }

    static AgentUnderTest start(Path root) throws Exception {
        Path jar = root.resolve("agent/target/codehub-agent.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build it with mvn -pl agent -am package -DskipTests");
        }
        Path dir = Files.createTempDirectory("codehub-bench-agent");
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair hubKey = generator.generateKeyPair();
        Path publicKey = dir.resolve("hub-public.pem");
        Pem.writePublic(publicKey, Pem.encode(hubKey.getPublic()));
        TunnelServer server = TunnelServer.builder()
                .bindAddress(new InetSocketAddress("127.0.0.1", 0))
                .hubId("bench-hub")
                .authenticator(request -> CompletableFuture.completedFuture(API_KEY.equals(request.apiKey())
                        ? AuthDecision.accept(AGENT_ID, null) : AuthDecision.reject(401, "unknown key", null)))
                .build();
        InetSocketAddress tunnel = server.start().get(30, TimeUnit.SECONDS);
        int directPort = freePort();
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", jar.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("agent.log").toFile());
        builder.environment().putAll(java.util.Map.of(
                "CODEHUB_AGENT_ID", AGENT_ID,
                "CODEHUB_AGENT_HUB_PUBLIC_KEY", publicKey.toString(),
                "CODEHUB_AGENT_LISTEN", "127.0.0.1:" + directPort,
                "CODEHUB_AGENT_HUB_URL", "tcp://127.0.0.1:" + tunnel.getPort(),
                "CODEHUB_AGENT_API_KEY", API_KEY,
                "CODEHUB_AGENT_ARCHIVE_DIR", dir.resolve("archives").toString(),
                "LOGGING_LEVEL_ROOT", "WARN"));
        Process process = builder.start();
        String token = sign(hubKey);
        AgentUnderTest agent = new AgentUnderTest(process, server, directPort, token, dir);
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (server.session(AGENT_ID).isEmpty()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                agent.stop(); // the log stays for the message below
                throw new IllegalStateException("the agent did not connect its tunnel; see " + dir.resolve("agent.log"));
            }
            Thread.sleep(100);
        }
        return agent;
    }

    /** The agent process's id. */
    long pid() {
        return process.pid();
    }

    TunnelServer tunnels() {
        return server;
    }

    String directBaseUrl() {
        return "http://127.0.0.1:" + directPort;
    }

    String tunnelBaseUrl() {
        return "tunnel://" + AGENT_ID;
    }

    String token() {
        return token;
    }

    private static String sign(KeyPair hubKey) throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer("bench-hub").audience(List.of(AGENT_ID))
                .expirationTime(Date.from(Instant.now().plus(Duration.ofHours(2)))).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.ES256), claims);
        jwt.sign(new ECDSASigner((ECPrivateKey) hubKey.getPrivate()));
        return jwt.serialize();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        stop();
        if (!"true".equals(System.getenv("CODEHUB_BENCH_KEEP_LOGS"))) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                // best effort: a temporary directory
            }
        }
    }

    private void stop() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.close().orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> null).join();
    }
}
