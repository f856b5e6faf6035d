package io.codehub.agent.tls;

import java.net.URI;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import javax.net.ssl.SSLException;

import io.codehub.agent.config.AgentProperties;
import io.codehub.pki.AgentIdentity;
import io.codehub.pki.Csrs;
import io.codehub.pki.Pem;
import io.codehub.pki.PkiException;
import io.codehub.tunnel.HttpProxy;
import io.codehub.web.ConfigurationException;
import io.netty.handler.ssl.SslContext;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's client certificate for a {@code tls://} hub: read from {@code CODEHUB_AGENT_TLS_DIR},
 * and with {@code CODEHUB_AGENT_TLS_ENROLL=true} obtained and renewed through the hub's tunnel port
 * ({@code POST /v1/certificate}) with a key generated here that never leaves the agent.
 *
 * <h2>Lifecycle</h2>
 * {@link #open} validates the settings and the files and, when enrolment is on and there is no
 * certificate, or it expired or passed its renewal point, enrols at once: a refusal of the
 * credentials (401, 403) with no usable certificate stops start-up; an unreachable or busy hub
 * (connection failure, 429, 503) does not, and enrolment continues in the background while the tunnel
 * dials with what it has. {@link #startRenewal} schedules the renewals; {@link #close} stops them.
 *
 * <h2>Switching certificates</h2>
 * The tunnel looks the context up for every connection ({@link #tunnelSslContext()}). A renewal
 * stores the new pair, swaps the context, then asks the tunnel to dial a new session; the hub
 * replaces the old session, which finishes its open streams, so no call fails.
 */
public final class AgentCertificate implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AgentCertificate.class);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(30);
    static final int MAX_RESPONSE_BYTES = 64 * 1024;

    /** What the tunnel presents now: a credential (or none) and the context made from it. */
    private record Current(@Nullable Credential credential, SslContext context) {
    }

    private final String agentId;
    private final @Nullable List<X509Certificate> trust;
    private final TlsDirectory directory;
    private final @Nullable EnrolmentClient client;
    private final @Nullable String apiKey;
    private final RenewalTiming timing;
    private final Clock clock;
    /** Jitter of the retry delays; used on the scheduler thread only. */
    private final RandomGenerator random;
    private final AtomicReference<Current> current = new AtomicReference<>();
    private final @Nullable ScheduledExecutorService scheduler;
    private volatile Supplier<? extends CompletionStage<?>> reconnect = () -> CompletableFuture.completedFuture(null);
    /** Consecutive failed attempts; touched on the scheduler thread only (and in {@link #open}, before it runs). */
    private int failures;

    private AgentCertificate(String agentId, @Nullable List<X509Certificate> trust, TlsDirectory directory,
            @Nullable EnrolmentClient client, @Nullable String apiKey, RenewalTiming timing, Clock clock,
            RandomGenerator random) {
        this.agentId = agentId;
        this.trust = trust;
        this.directory = directory;
        this.client = client;
        this.apiKey = apiKey;
        this.timing = timing;
        this.clock = clock;
        this.random = random;
        this.scheduler = client == null ? null : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "agent-certificate");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Validates {@code CODEHUB_AGENT_TLS_*}, reads the stored certificate and, with enrolment on,
     * enrols when needed. Blocks for at most one enrolment call (about 40 s).
     *
     * @param hubUri the hub's {@code tls://host:port}
     * @param apiKey the validated API key, or null when the agent has none
     * @param proxy the HTTPS proxy the tunnel uses, or null
     * @param random jitter of the retry delays after a failed enrolment or renewal
     * @throws ConfigurationException naming the variable to change
     */
    public static AgentCertificate open(AgentProperties properties, URI hubUri, @Nullable String apiKey,
            @Nullable HttpProxy proxy, Clock clock, RandomGenerator random) {
        AgentProperties.Tls tls = properties.tls();
        String agentId = String.valueOf(properties.id());
        RenewalTiming timing;
        try {
            timing = new RenewalTiming(tls.renewAt(), RenewalTiming.RETRY);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("CODEHUB_AGENT_TLS_RENEW_AT", tls.renewAt() + " (expected: between 0 and 1)",
                    "Set the fraction of a certificate's lifetime after which the agent renews it, e.g. 0.67 (two thirds).");
        }
        List<X509Certificate> trust = readTrust(tls.ca());
        EnrolmentClient client = tls.enroll()
                ? new EnrolmentClient(hubUri, proxy, CONNECT_TIMEOUT, RESPONSE_TIMEOUT, MAX_RESPONSE_BYTES) : null;
        AgentCertificate certificate = new AgentCertificate(agentId, trust, new TlsDirectory(tls.dir(), agentId), client,
                apiKey, timing, clock, random);
        certificate.load(tls.dir());
        return certificate;
    }

    private void load(Path dir) {
        Optional<Credential> stored = directory.load();
        Instant now = clock.instant();
        Credential usable = stored.filter(c -> !c.expiredAt(now)).orElse(null);
        install(usable);
        if (stored.isPresent() && usable == null && client == null) {
            throw new ConfigurationException("CODEHUB_AGENT_TLS_DIR", directory.certificateFile() + " expired at "
                    + stored.get().notAfter(), "Issue a new certificate (codehub pki issue agent --agent-id " + agentId
                    + " --out " + dir.resolve("agent") + "), or set CODEHUB_AGENT_TLS_ENROLL=true to enrol through the hub.");
        }
        if (client == null) {
            if (usable != null) {
                log.info("Presenting the agent certificate from {} ({}); CODEHUB_AGENT_TLS_ENROLL is off, so it is not "
                        + "renewed here: replace it before {} and restart", directory.certificateFile(), usable,
                        usable.notAfter());
            }
            return;
        }
        if (usable != null && !timing.due(usable, now)) {
            log.info("Agent certificate {} from {}; renewal at {}", usable, directory.certificateFile(),
                    usable.renewalPoint(timing.renewAt()));
            return;
        }
        if (usable == null && apiKey == null) {
            throw new ConfigurationException("CODEHUB_AGENT_API_KEY", "not set, and " + dir
                    + " holds no valid certificate to renew",
                    "Set CODEHUB_AGENT_API_KEY for the first enrolment, or put a certificate issued with "
                            + "codehub pki issue agent --agent-id " + agentId + " in CODEHUB_AGENT_TLS_DIR.");
        }
        try {
            enrol();
        } catch (EnrolmentException e) {
            failures = 1;
            if (usable == null && e.credentialsRefused()) {
                throw new ConfigurationException("CODEHUB_AGENT_API_KEY", "the hub refused to enrol agent '" + agentId
                        + "': " + e.getMessage(),
                        "Check that CODEHUB_AGENT_API_KEY is this agent's current key (rotate it on the hub if it is lost) "
                                + "and that the hub lets this agent enrol (its auth mode, not revoked).", e);
            }
            if (usable == null && e.requestRefused()) {
                throw new ConfigurationException("CODEHUB_AGENT_TLS_ENROLL", "the hub refused the enrolment request: "
                        + e.getMessage(), "Check that CODEHUB_AGENT_HUB_URL is a codehub hub's tunnel port that "
                        + "serves enrolment (POST /v1/certificate), or set CODEHUB_AGENT_TLS_ENROLL=false.", e);
            }
            log.warn("Agent certificate {} failed: {}; retrying in the background, the tunnel meanwhile dials {}",
                    usable == null ? "enrolment" : "renewal", e.getMessage(),
                    usable == null ? "without a client certificate" : "with " + usable);
        }
    }

    /** The tunnel's TLS context as of now: trust for the hub and the current client certificate, if any. */
    public SslContext tunnelSslContext() {
        return current.get().context();
    }

    /**
     * Starts renewing (with enrolment on; otherwise a no-op). After each new certificate is in place
     * {@code reconnect} is called to move the tunnel to it ({@code TunnelConnector::refresh}).
     */
    public void startRenewal(Supplier<? extends CompletionStage<?>> reconnect) {
        this.reconnect = reconnect;
        ScheduledExecutorService s = scheduler;
        if (s == null) {
            return;
        }
        s.execute(() -> {
            Credential credential = current.get().credential();
            if (failures > 0 || credential == null) {
                retryLater(null);
            } else {
                scheduleAt(timing.nextRenewal(credential, clock.instant()));
            }
        });
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    private void attempt() {
        Credential before = current.get().credential();
        try {
            Credential next = enrol();
            failures = 0;
            scheduleAt(timing.nextRenewal(next, clock.instant()));
            reconnect.get().whenComplete((session, error) -> {
                if (error == null) {
                    log.info("Tunnel moved to the new certificate (session {})", session);
                } else {
                    log.warn("Tunnel could not move to the new certificate now ({}); the current session keeps serving "
                            + "and the next connection presents the new certificate", error.getMessage());
                }
            });
        } catch (EnrolmentException e) {
            failures++;
            String what = before == null ? "enrolment" : "renewal";
            String expiry = before == null ? "no certificate yet" : "the current certificate expires at " + before.notAfter();
            if (e.credentialsRefused()) {
                log.error("Agent certificate {} refused by the hub (attempt {}): {}; check CODEHUB_AGENT_API_KEY and the "
                        + "agent's auth mode on the hub; {}", what, failures, e.getMessage(), expiry);
            } else {
                log.warn("Agent certificate {} failed (attempt {}): {}; {}", what, failures, e.getMessage(), expiry);
            }
            retryLater(e.retryAfter());
        } catch (RuntimeException e) {
            failures++;
            log.error("Agent certificate renewal failed (attempt {})", failures, e);
            retryLater(null);
        }
    }

    private void retryLater(@Nullable Duration retryAfter) {
        Duration delay = timing.retryDelay(Math.max(failures, 1), retryAfter, random);
        log.info("Next agent certificate attempt in {} s", delay.toSeconds());
        schedule(delay);
    }

    private void scheduleAt(Instant when) {
        schedule(Duration.between(clock.instant(), when));
    }

    private void schedule(Duration delay) {
        ScheduledExecutorService s = scheduler;
        if (s != null && !s.isShutdown()) {
            try {
                s.schedule(this::attempt, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // closing: no more renewals
            }
        }
    }

    /** One enrolment or renewal: new key, CSR, POST, checks, store, swap. */
    private Credential enrol() throws EnrolmentException {
        EnrolmentClient c = client;
        if (c == null) {
            throw new IllegalStateException("enrolment is off");
        }
        Credential before = current.get().credential();
        Credential presented = before != null && !before.expiredAt(clock.instant()) ? before : null;
        KeyPair keys = Csrs.generateKeyPair();
        String csr = Csrs.csr(agentId, keys);
        List<X509Certificate> chain;
        try {
            chain = c.enrol(csr, TlsContexts.enrolment(trust, presented), apiKey);
        } catch (GeneralSecurityException e) {
            throw new EnrolmentException("TLS context for " + c.endpoint() + ": " + e.getMessage(), 0, null, null, e);
        }
        X509Certificate leaf = chain.get(0);
        if (!Arrays.equals(leaf.getPublicKey().getEncoded(), keys.getPublic().getEncoded())) {
            throw new EnrolmentException("POST " + c.endpoint() + ": the certificate returned is not for the key sent ("
                    + Credential.describe(leaf) + ")", 200, null, null, null);
        }
        Optional<String> named = AgentIdentity.agentId(leaf);
        if (!named.equals(Optional.of(agentId))) {
            throw new EnrolmentException("POST " + c.endpoint() + ": the certificate returned names "
                    + named.map(id -> "agent '" + id + "'").orElse("no agent") + ", expected '" + agentId + "'", 200, null,
                    null, null);
        }
        Credential next = new Credential(keys.getPrivate(), chain);
        if (next.expiredAt(clock.instant())) {
            throw new EnrolmentException("POST " + c.endpoint() + ": the certificate returned has expired (" + next + ")",
                    200, null, null, null);
        }
        directory.store(next);
        install(next);
        log.info("Agent certificate {} ({}), stored in {}; renewal at {}", before == null ? "enrolled" : "renewed", next,
                directory.certificateFile(), timing.nextRenewal(next, clock.instant()));
        return next;
    }

    private void install(@Nullable Credential credential) {
        try {
            current.set(new Current(credential, TlsContexts.tunnel(trust, credential)));
        } catch (SSLException | IllegalArgumentException e) {
            throw new ConfigurationException(credential == null ? "CODEHUB_AGENT_TLS_CA" : "CODEHUB_AGENT_TLS_DIR",
                    "cannot build the tunnel's TLS context: " + e.getMessage(),
                    "Check the CA certificates (CODEHUB_AGENT_TLS_CA) and the agent's key and certificate files.", e);
        }
    }

    private static @Nullable List<X509Certificate> readTrust(@Nullable Path ca) {
        if (ca == null) {
            return null;
        }
        try {
            return Pem.readCertificates(ca);
        } catch (PkiException e) {
            throw new ConfigurationException("CODEHUB_AGENT_TLS_CA", "cannot use " + ca + ": " + e.getMessage(),
                    "Point it at a PEM file of CA certificates (-----BEGIN CERTIFICATE-----).", e);
        }
    }

    @Override
    public String toString() {
        Credential credential = current.get().credential();
        return "AgentCertificate[" + agentId + ", " + (credential == null ? "no certificate" : credential) + ", enrol="
                + (client != null) + "]";
    }
}
