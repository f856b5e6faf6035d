package io.codehub.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.logging.Level;
import java.util.logging.Logger;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.codehub.agent.AgentApplication;
import io.codehub.agent.auth.HubPublicKey;
import io.codehub.agent.auth.HubTokenVerifier;
import io.codehub.agent.auth.TokenRejectedException;
import io.codehub.agent.tunnel.AgentStreams;
import io.codehub.runtime.Health;
import io.codehub.runtime.Runtime;
import io.codehub.tunnel.AgentDescription;
import io.codehub.tunnel.ConnectorListener;
import io.codehub.tunnel.IncomingStreamHandlerFactory;
import io.codehub.tunnel.NettyDefaults;
import io.codehub.tunnel.TunnelConnector;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;

/**
 * The simulated agents of {@code bench fleet}: one process holding {@code N} agents, each a real
 * {@link TunnelConnector} that authenticates like an agent (its own API key, then the hub's
 * resumption tickets) and serves the hub's streams with the real agent's Agent API.
 *
 * <h2>One agent application for all</h2>
 * The process runs the agent's Spring application once ({@link AgentApplication}, its WebFlux
 * pipeline, controller and problem answers) with a {@link MemoryRuntime} instead of a Docker
 * engine, and every connector serves its streams with it ({@link AgentStreams#agentApi}). The hub
 * signs each call for one agent (token audience = that agent's id), which the agent application,
 * configured for one id, would refuse for the others: so each connector first checks the hub's
 * token with its own {@link HubTokenVerifier} (the agent's class: the hub's key, this agent's id),
 * refuses the call with 401 as the agent does, and hands the accepted call on with a token of the
 * swarm's own key for the application's id. The checks run on two threads of their own, off the
 * event loops that carry every agent's tunnel ({@link CheckedStream}). The hub sees agents that check its tokens as agents do.
 *
 * <h2>Started by the bench, driven through stdin and stdout</h2>
 * Run from the agent's jar ({@code -Dloader.path=<bench jar> -Dloader.main=io.codehub.bench.FleetSwarm
 * org.springframework.boot.loader.launch.PropertiesLauncher}) with {@code --port} (the hub's TLS
 * tunnel port), {@code --agents FILE} (one {@code <agent id> <api key>} a line), {@code --hub-key
 * FILE} (the hub's public key, PEM) and {@code --rate} (connectors started per second). It prints,
 * once a second, {@code swarm connected=N failed=N health=N calls=N refused=N starts=N instances=N covered=N} (tunnels up,
 * connect failures, health calls served, other calls served, instance start calls, instances, agents that served a
 * health call since the last {@code mark}, and once all have, {@code round_ms}: from the mark to
 * the first health call of the last of them); a line {@code mark} on stdin starts a new count. The certificate of the hub is not verified: loopback, the bench's own hub.
 */
public final class FleetSwarm {

    /** Held so that the level set on it stays (JUL keeps loggers weakly). */
    private static final Logger TUNNEL_LOG = Logger.getLogger("io.codehub.tunnel");
    private static final String APP_AGENT_ID = "fleet-swarm";
    private static final Duration SWARM_TOKEN_TTL = Duration.ofMinutes(10);
    private static final int MAX_TOKEN_LENGTH = 8192;

    private final ECPrivateKey swarmKey;
    private volatile String swarmToken = "";
    private volatile long swarmTokenRenewAt;
    private final AtomicLong health = new AtomicLong();
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();

    private FleetSwarm(ECPrivateKey swarmKey) {
        this.swarmKey = swarmKey;
    }

    public static void main(String[] args) throws Exception {
        NettyDefaults.apply(); // as the hub and the agent start
        TUNNEL_LOG.setLevel(Level.WARNING); // one line per session would drown the results
        int port = (int) Args.positive(args, "--port", "-1");
        Path agentsFile = Path.of(Args.value(args, "--agents", "agents.txt"));
        Path hubKeyFile = Path.of(Args.value(args, "--hub-key", "hub-public.pem"));
        int rate = (int) Args.positive(args, "--rate", "2000");
        List<String[]> agents = new ArrayList<>();
        for (String line : Files.readAllLines(agentsFile, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                agents.add(line.trim().split(" ", 2));
            }
        }
        if (agents.isEmpty() || agents.size() > 15_000) {
            throw new IllegalArgumentException(agentsFile + ": " + agents.size()
                    + " agents (expected: 1..15000; the open-file limit is 20000)");
        }

        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = generator.generateKeyPair();
        Path swarmPublic = Files.createTempFile("codehub-fleet-swarm", ".pem");
        swarmPublic.toFile().deleteOnExit();
        Files.writeString(swarmPublic, "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(pair.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n");
        FleetSwarm swarm = new FleetSwarm((ECPrivateKey) pair.getPrivate());
        MemoryRuntime runtime = new MemoryRuntime("bench");
        ConfigurableApplicationContext app = new SpringApplicationBuilder(AgentApplication.class)
                .initializers(context -> ((GenericApplicationContext) context).registerBean("runtime", Runtime.class,
                        () -> runtime))
                .properties("codehub.agent.id=" + APP_AGENT_ID, "codehub.agent.hub-public-key=" + swarmPublic,
                        "codehub.agent.listen=127.0.0.1:" + GatewayStack.freePort(),
                        "logging.level.root=WARN")
                .run();
        IncomingStreamHandlerFactory agentApi = AgentStreams.agentApi(app, 65_536);
        ECPublicKey hubKey = HubPublicKey.read(hubKeyFile);

        // Each agent says in its handshake what its health check will say (as a real one does, from its
        // runtime): otherwise every reconnect and the check after it would each rewrite the agent's row.
        Health health = runtime.health().block(Duration.ofSeconds(10));
        AgentDescription description = AgentDescription.sanitized(health.os(), health.arch(), health.runtime(),
                health.backend());
        SwarmConnectors connectorsOf = new SwarmConnectors(port);
        // The hub's tokens are checked here, off the event loops (see CheckedStream).
        ExecutorService checking = Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "fleet-swarm-token-checks");
            thread.setDaemon(true);
            return thread;
        });
        TunnelConnector[] connectors = new TunnelConnector[agents.size()];
        AtomicLongArray lastHealth = new AtomicLongArray(agents.size());
        AtomicInteger started = new AtomicInteger();
        AtomicLong failed = new AtomicLong();
        AtomicLong mark = new AtomicLong(Long.MAX_VALUE);
        AtomicLong lastFirstAfterMark = new AtomicLong(Long.MIN_VALUE);
        Map<String, Long> causes = new ConcurrentHashMap<>();
        ConnectorListener countFailures = new ConnectorListener() {
            @Override
            public void connectFailed(Throwable cause, Duration retryIn) {
                failed.incrementAndGet();
                String message = String.valueOf(cause.getMessage());
                causes.merge(cause.getClass().getSimpleName() + ": "
                        + (message.length() > 100 ? message.substring(0, 100) : message), 1L, Long::sum);
            }
        };
        ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor();
        reporter.scheduleAtFixedRate(() -> {
            // why connections failed, most frequent first (to the swarm's log)
            causes.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(5)
                    .forEach(e -> System.out.println("connect failures " + e.getValue() + " x " + e.getKey()));
        }, 10, 10, TimeUnit.SECONDS);
        reporter.scheduleAtFixedRate(() -> {
            try {
                int n = started.get();
                long connected = 0;
                long covered = 0;
                long since = mark.get();
                for (int i = 0; i < n; i++) {
                    if (connectors[i].isConnected()) {
                        connected++;
                    }
                    if (lastHealth.get(i) >= since) {
                        covered++;
                    }
                }
                System.out.println("swarm connected=" + connected + " failed=" + failed.get() + " health="
                        + swarm.health.get() + " calls=" + swarm.calls.get() + " refused=" + swarm.refused.get()
                        + " starts=" + runtime.startCalls() + " instances=" + runtime.instances() + " covered=" + covered
                        + " round_ms=" + (covered == n ? (lastFirstAfterMark.get() - since) / 1_000_000 : -1));
            } catch (RuntimeException e) {
                e.printStackTrace();
            }
        }, 1, 1, TimeUnit.SECONDS);
        Thread commands = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.trim().equals("mark")) {
                        lastFirstAfterMark.set(Long.MIN_VALUE);
                        mark.set(System.nanoTime());
                    }
                }
            } catch (IOException e) {
                // the bench went away: it stops this process
            }
        }, "fleet-swarm-commands");
        commands.setDaemon(true);
        commands.start();

        SwarmConnectors.startAll(connectors, started, rate, i -> {
            String agentId = agents.get(i)[0];
            HubTokenVerifier verifier = new HubTokenVerifier(hubKey, agentId, Duration.ofSeconds(30), MAX_TOKEN_LENGTH, 4,
                    Clock.systemUTC());
            int index = i;
            return connectorsOf.connector(agents.get(i)[1], countFailures)
                    .agentVersion(health.version())
                    .description(() -> description)
                    .streamHandlerFactory((stream, headers, endStream) -> {
                        CharSequence path = headers.path();
                        if (path != null && "/health".contentEquals(path)) {
                            long now = System.nanoTime();
                            if (lastHealth.getAndSet(index, now) < mark.get()) {
                                lastFirstAfterMark.accumulateAndGet(now, Math::max); // its first since the mark
                            }
                            swarm.health.incrementAndGet();
                        } else {
                            swarm.calls.incrementAndGet();
                        }
                        CharSequence authorization = headers.get("authorization");
                        return CheckedStream.start(stream, () -> check(verifier, authorization), () -> {
                            Http2Headers forwarded = new DefaultHttp2Headers().set(headers);
                            forwarded.set("authorization", "Bearer " + swarm.swarmToken());
                            return agentApi.newHandler(stream, forwarded, endStream);
                        }, swarm.refused::incrementAndGet, checking);
                    })
                    .build();
        });
        // Runs until the bench ends the process.
        Thread.currentThread().join();
    }

    /** Null when the hub's {@code authorization} is a valid token for this agent, else why not. */
    private static String check(HubTokenVerifier verifier, CharSequence authorization) {
        if (authorization == null || authorization.length() < 8 || !"bearer ".equalsIgnoreCase(
                authorization.subSequence(0, 7).toString())) {
            return "no bearer token";
        }
        try {
            verifier.verify(authorization.subSequence(7, authorization.length()).toString());
            return null;
        } catch (TokenRejectedException e) {
            return e.getMessage();
        }
    }

    /** The token of the swarm's key for the agent application's id, renewed well before it expires. */
    private String swarmToken() {
        long now = System.nanoTime();
        if (swarmToken.isEmpty() || now - swarmTokenRenewAt > 0) {
            synchronized (this) {
                if (swarmToken.isEmpty() || now - swarmTokenRenewAt > 0) {
                    Instant issued = Instant.now();
                    JWTClaimsSet claims = new JWTClaimsSet.Builder().audience(APP_AGENT_ID).issuer("fleet-swarm")
                            .issueTime(Date.from(issued)).expirationTime(Date.from(issued.plus(SWARM_TOKEN_TTL))).build();
                    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.ES256), claims);
                    try {
                        jwt.sign(new ECDSASigner(swarmKey));
                    } catch (JOSEException e) {
                        throw new IllegalStateException("signing the swarm's token: " + e.getMessage(), e);
                    }
                    swarmToken = jwt.serialize();
                    swarmTokenRenewAt = now + SWARM_TOKEN_TTL.toNanos() / 2;
                }
            }
        }
        return swarmToken;
    }
}
