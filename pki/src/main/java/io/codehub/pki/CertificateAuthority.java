package io.codehub.pki;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;

/**
 * codehub's certificate authority: one directory on disk that the CLI and the hub share.
 *
 * <h2>Directory</h2>
 * <pre>
 * ca.pem            trust bundle: the current CA certificate, then earlier ones still trusted (0644)
 * ca-cert.pem       the current CA certificate (0644)
 * cross.pem         during a rotation: the current CA certified by the previous one (0644)
 * crl.pem           one signed CRL per trusted CA generation, the current one's first (0644)
 * index.tsv         every certificate issued: serial, CA generation, kind, name, expiry, status (0644)
 * ca.properties     the current generation and the trusted ones; written last, so it is the commit point
 * generations/N/    ca-cert.pem, ca-key.pem (0600, PKCS#8, encrypted with a passphrase or not), cross.pem
 * .lock             locked (FileChannel.lock) by every change
 * </pre>
 * The top-level {@code ca.pem}, {@code ca-cert.pem}, {@code cross.pem} and {@code crl.pem} are
 * derived from {@code generations/} and {@code index.tsv}; {@link #crl()} rewrites them all.
 *
 * <h2>Concurrency</h2>
 * Every change takes the directory's lock, re-reads the state from disk, and writes each file
 * atomically, so the CLI and the hub can change one directory at once. An instance sees changes
 * made by others after {@link #reload()} (cheap: two {@code stat} calls when nothing changed);
 * {@link #revocationGeneration()} then tells whether the set of revoked serials changed.
 *
 * <h2>Rotation</h2>
 * {@link #rotateCa()} makes generation N+1 and a cross certificate (its key certified by generation
 * N). Chains issued afterwards carry the cross certificate, so a party that still trusts only
 * generation N validates them; {@code ca.pem} holds both roots. {@link #finishRotation(boolean)}
 * drops the earlier generations once nothing valid depends on them.
 *
 * <p>Instances are thread-safe. Times come from the {@link Clock} given at open.
 */
public final class CertificateAuthority {

    /** Agent certificates are short-lived: 7 days unless said otherwise. */
    public static final Duration DEFAULT_AGENT_VALIDITY = Duration.ofDays(7);
    /** Server (hub) certificates: 90 days unless said otherwise. */
    public static final Duration DEFAULT_SERVER_VALIDITY = Duration.ofDays(90);
    /** How long a CRL is valid (its nextUpdate); {@link #revocationList()} renews it at half-life. */
    public static final Duration CRL_VALIDITY = Duration.ofDays(7);
    /** The most DNS names plus addresses in one server certificate. */
    public static final int MAX_SERVER_NAMES = 100;

    private static final Duration MIN_LEAF_VALIDITY = Duration.ofMinutes(1);
    private static final Pattern DNS_NAME = Pattern.compile(
            "(\\*\\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

    private final CaDirectory files;
    private final Clock clock;
    private final char @Nullable [] passphrase;
    private final AtomicLong revocationGeneration = new AtomicLong();
    private volatile CaState state;
    private volatile IssuedIndex.View index;

    private CertificateAuthority(CaDirectory files, char @Nullable [] passphrase, Clock clock) {
        this.files = files;
        this.clock = clock;
        this.passphrase = passphrase == null || passphrase.length == 0 ? null : passphrase.clone();
        this.state = CaState.load(files, this.passphrase);
        this.index = IssuedIndex.View.load(files);
    }

    // ---- creating and opening ----

    /** {@link #init(Path, InitOptions, Clock)} with the system clock. */
    public static CertificateAuthority init(Path dir, InitOptions options) {
        return init(dir, options, Clock.systemUTC());
    }

    /**
     * Creates a CA in {@code dir} (created if missing; it must not already hold a CA): a self-signed
     * root, its key, an empty index and an empty CRL.
     *
     * @throws PkiException when {@code dir} already holds a CA or cannot be written
     * @throws IllegalArgumentException when the subject is malformed or has no CN
     */
    public static CertificateAuthority init(Path dir, InitOptions options, Clock clock) {
        CaDirectory files = new CaDirectory(dir);
        var subject = CaState.parseSubject(options.subject());
        try {
            Files.createDirectories(files.dir());
        } catch (IOException e) {
            throw new PkiException("create " + files.dir() + ": " + e, e);
        }
        char[] secret = options.passphrase() == null || options.passphrase().length == 0 ? null : options.passphrase();
        files.locked(() -> {
            if (Files.exists(files.file(CaDirectory.STATE)) || Files.exists(files.dir().resolve(CaState.GENERATIONS))) {
                throw new PkiException(files.dir() + " already holds a CA; open it, or choose an empty directory");
            }
            Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
            KeyPair keys = Crypto.generate(options.keyType());
            X509Certificate root = CertificateProfiles.root(subject, keys, now.minus(CertificateProfiles.BACKDATE),
                    now.plus(options.validity()));
            CaState.writeGeneration(files, 1, root, keys.getPrivate(), null, secret);
            IssuedIndex.write(files.file(IssuedIndex.FILE), List.of());
            CaState state = CaState.commit(files, 1, List.of(1), secret);
            PublishedFiles.write(files, state, List.of(), now);
            return null;
        });
        return new CertificateAuthority(files, secret, clock);
    }

    /** {@link #open(Path, char[], Clock)} with the system clock. */
    public static CertificateAuthority open(Path dir, char @Nullable [] passphrase) {
        return open(dir, passphrase, Clock.systemUTC());
    }

    /**
     * Opens the CA in {@code dir}, decrypting its keys with {@code passphrase} when they are
     * encrypted. Checks that each key matches its certificate.
     */
    public static CertificateAuthority open(Path dir, char @Nullable [] passphrase, Clock clock) {
        return new CertificateAuthority(new CaDirectory(dir), passphrase, clock);
    }

    // ---- what the CA is ----

    public Path directory() {
        return files.dir();
    }

    /** The current CA certificate: the one that signs. */
    public X509Certificate certificate() {
        return state.current().certificate();
    }

    /** The current CA generation: 1 after init, +1 per rotation. */
    public int generation() {
        return state.current().generation();
    }

    /** The trust bundle ({@code ca.pem}): the current CA certificate first, then earlier ones still trusted. */
    public List<X509Certificate> trustBundle() {
        return state.trustBundle();
    }

    /** Every issued certificate still in the index, in issue order. */
    public List<IssuedRecord> issued() {
        return index.records();
    }

    // ---- issuing ----

    /**
     * Issues a server certificate (the hub's tunnel certificate) with a key generated here.
     *
     * @param dnsNames DNS names for the SAN (a leading {@code *.} wildcard is allowed)
     * @param addresses IP addresses for the SAN
     * @param validity from now; at most until the CA certificate expires
     */
    public IssuedCertificate issueServer(List<String> dnsNames, List<InetAddress> addresses, Duration validity) {
        List<String> names = List.copyOf(dnsNames);
        List<InetAddress> ips = List.copyOf(addresses);
        if (names.isEmpty() && ips.isEmpty()) {
            throw new IllegalArgumentException("server certificate: no DNS name and no IP address (expected: at least one)");
        }
        checkHostNames(names, ips);
        KeyPair keys = Crypto.generate(KeyType.EC_P256);
        String label = Stream.concat(names.stream(), ips.stream().map(InetAddress::getHostAddress))
                .collect(Collectors.joining(","));
        List<X509Certificate> chain = issue(IssuedRecord.Kind.SERVER, label, validity, (ca, serial, from, until) ->
                CertificateProfiles.server(ca.certificate(), ca.key(), keys.getPublic(), names, ips, serial, from, until));
        return new IssuedCertificate(keys.getPrivate(), chain);
    }

    private static void checkHostNames(List<String> names, List<InetAddress> ips) {
        if (names.size() + ips.size() > MAX_SERVER_NAMES) {
            throw new IllegalArgumentException("server certificate: " + (names.size() + ips.size())
                    + " names (expected: at most " + MAX_SERVER_NAMES + ")");
        }
        for (String name : names) {
            if (name.length() > 253 || !DNS_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("DNS name: '" + AgentIdentity.printable(name) + "' is not a valid host name");
            }
        }
    }

    /** Issues an agent certificate with a key generated here (out-of-band enrolment). */
    public IssuedCertificate issueAgent(String agentId, Duration validity) {
        return issueAgent(agentId, validity, List.of(), List.of());
    }

    /**
     * An agent certificate that also serves the agent's direct listener under {@code dnsNames} and
     * {@code addresses} (EKU serverAuth besides clientAuth); with neither, a client certificate only.
     */
    public IssuedCertificate issueAgent(String agentId, Duration validity, List<String> dnsNames,
            List<InetAddress> addresses) {
        AgentIdentity.requireValidAgentId(agentId);
        List<String> names = List.copyOf(dnsNames);
        List<InetAddress> ips = List.copyOf(addresses);
        checkHostNames(names, ips);
        KeyPair keys = Crypto.generate(KeyType.EC_P256);
        List<X509Certificate> chain = issue(IssuedRecord.Kind.AGENT, agentId, validity, (ca, serial, from, until) ->
                CertificateProfiles.agent(ca.certificate(), ca.key(), keys.getPublic(), agentId, names, ips, serial, from,
                        until));
        return new IssuedCertificate(keys.getPrivate(), chain);
    }

    /** {@link #sign(byte[], String, Duration)} of PEM text. */
    public List<X509Certificate> sign(String csrPem, @Nullable String expectedAgentId, Duration validity) {
        return sign(csrPem.getBytes(StandardCharsets.US_ASCII), expectedAgentId, validity);
    }

    /**
     * Signs an agent's CSR (PEM or DER) and returns the chain to install: the certificate, then the
     * cross certificate during a rotation. Only the CSR's public key and agent id are used; the
     * certificate's content is the CA's (see {@code docs/pki.md}).
     *
     * @param expectedAgentId the agent that authenticated the request; null when the caller (an
     *     operator running the CLI) accepts whichever single agent the CSR names
     * @throws CsrRejectedException when the CSR is unreadable, badly signed, too large, names no agent,
     *     several agents, or another agent than {@code expectedAgentId}
     */
    public List<X509Certificate> sign(byte[] csr, @Nullable String expectedAgentId, Duration validity) {
        Csrs.Request request = Csrs.verify(csr, expectedAgentId);
        return issue(IssuedRecord.Kind.AGENT, request.agentId(), validity, (ca, serial, from, until) ->
                CertificateProfiles.agent(ca.certificate(), ca.key(), request.publicKey(), request.agentId(), serial, from,
                        until));
    }

    private interface Profile {
        X509Certificate build(CaState.Generation ca, BigInteger serial, Instant notBefore, Instant notAfter);
    }

    private List<X509Certificate> issue(IssuedRecord.Kind kind, String name, Duration validity, Profile profile) {
        return change(() -> {
            CaState ca = state;
            CaState.Generation current = ca.current();
            Instant now = now();
            Instant notAfter = checkValidity(validity, now, current.certificate());
            Instant notBefore = CertificateProfiles.max(now.minus(CertificateProfiles.BACKDATE),
                    current.certificate().getNotBefore().toInstant());
            BigInteger serial;
            do {
                serial = Crypto.serial();
            } while (index.bySerial().containsKey(serial));
            X509Certificate certificate = profile.build(current, serial, notBefore, notAfter);
            List<IssuedRecord> records = new ArrayList<>(index.live(now));
            records.add(new IssuedRecord(serial, current.generation(), kind, name, notAfter, null, null));
            writeIndex(records);
            List<X509Certificate> chain = new ArrayList<>();
            chain.add(certificate);
            if (ca.cross() != null) {
                chain.add(ca.cross());
            }
            return List.copyOf(chain);
        });
    }

    private static Instant checkValidity(Duration validity, Instant now, X509Certificate ca) {
        if (validity.compareTo(MIN_LEAF_VALIDITY) < 0) {
            throw new IllegalArgumentException("validity: " + validity + " (expected: at least " + MIN_LEAF_VALIDITY + ")");
        }
        Instant caEnd = ca.getNotAfter().toInstant();
        Instant notAfter = now.plus(validity);
        if (notAfter.isAfter(caEnd)) {
            throw new IllegalArgumentException("validity: " + validity.toDays() + "d would end after the CA certificate ("
                    + caEnd + "); choose a shorter validity or rotate the CA");
        }
        return notAfter;
    }

    // ---- revoking ----

    /**
     * Revokes one certificate by serial and rewrites {@code crl.pem}. Revoking a revoked certificate
     * changes nothing and returns its record.
     *
     * @throws PkiException when this CA did not issue {@code serial} (or its record has expired out
     *     of the index)
     */
    public IssuedRecord revoke(BigInteger serial, RevocationReason reason) {
        return change(() -> {
            IssuedRecord record = index.bySerial().get(serial);
            if (record == null) {
                throw new PkiException("serial " + Serials.hex(serial)
                        + ": not issued by the CA in " + files.dir() + " (not in " + IssuedIndex.FILE + ")");
            }
            if (record.revoked()) {
                return record;
            }
            IssuedRecord revoked = record.revoke(now(), reason);
            revokeLocked(Map.of(serial, revoked));
            return revoked;
        });
    }

    /**
     * Revokes every unexpired certificate issued to {@code agentId} and rewrites {@code crl.pem}.
     *
     * @return the records revoked by this call; empty when the agent had none left to revoke
     */
    public List<IssuedRecord> revokeAgent(String agentId, RevocationReason reason) {
        AgentIdentity.requireValidAgentId(agentId);
        return change(() -> {
            Instant now = now();
            Map<BigInteger, IssuedRecord> changes = new HashMap<>();
            for (IssuedRecord record : index.records()) {
                if (record.kind() == IssuedRecord.Kind.AGENT && record.name().equals(agentId) && !record.revoked()
                        && !record.expiredAt(now)) {
                    changes.put(record.serial(), record.revoke(now, reason));
                }
            }
            if (!changes.isEmpty()) {
                revokeLocked(changes);
            }
            return index.records().stream().filter(r -> changes.containsKey(r.serial())).toList();
        });
    }

    private void revokeLocked(Map<BigInteger, IssuedRecord> changes) {
        Instant now = now();
        List<IssuedRecord> records = index.live(now).stream()
                .map(r -> changes.getOrDefault(r.serial(), r))
                .toList();
        writeIndex(records);
        PublishedFiles.write(files, state, records, now);
    }

    /** Whether {@code serial} is revoked, as of the last change or {@link #reload()}. */
    public boolean isRevoked(BigInteger serial) {
        return index.revoked().contains(serial);
    }

    /**
     * A counter that changes whenever the set of revoked serials this instance knows of changes
     * (through this instance or, after {@link #reload()}, through another process). The hub polls
     * {@code reload()} and compares this value to know when to re-check live sessions.
     */
    public long revocationGeneration() {
        return revocationGeneration.get();
    }

    /**
     * Re-reads what another process (the CLI, another hub) changed in the directory. Cheap when
     * nothing changed: it compares the identity, time and size of {@code ca.properties} and
     * {@code index.tsv}.
     *
     * @return whether anything was re-read
     */
    public boolean reload() {
        boolean changed = false;
        Object stateStamp = files.stamp(CaDirectory.STATE);
        if (!CaDirectory.sameStamp(stateStamp, state.stamp())) {
            state = CaState.load(files, passphrase);
            changed = true;
        }
        Object indexStamp = files.stamp(IssuedIndex.FILE);
        if (!CaDirectory.sameStamp(indexStamp, index.stamp())) {
            setIndex(IssuedIndex.View.load(files));
            changed = true;
        }
        return changed;
    }

    // ---- CRL ----

    /**
     * Signs fresh CRLs (nextUpdate = now + {@link #CRL_VALIDITY}), writes {@code crl.pem} and the
     * other derived files ({@code ca.pem}, {@code ca-cert.pem}, {@code cross.pem}), and returns them.
     */
    public RevocationList crl() {
        return change(() -> {
            Instant now = now();
            return PublishedFiles.write(files, state, index.records(), now);
        });
    }

    /**
     * The CRLs of {@code crl.pem}, re-signed first when the current one is past half its validity or
     * does not match the current generation. What the hub serves at {@code /pki/crl.pem}.
     */
    public RevocationList revocationList() {
        reload();
        Instant now = now();
        try {
            RevocationList list = new RevocationList(Pem.readCrls(files.file(CaDirectory.CRL)));
            Instant next = list.nextUpdate();
            boolean fresh = next != null && next.minus(CRL_VALIDITY.dividedBy(2)).isAfter(now)
                    && list.crl().getIssuerX500Principal().equals(certificate().getSubjectX500Principal());
            if (fresh) {
                return list;
            }
        } catch (PkiException e) {
            // missing or damaged: re-sign below
        }
        return crl();
    }

    // ---- rotation ----

    /** {@link #rotateCa(KeyType, Duration)} with the current key type and validity length. */
    public X509Certificate rotateCa() {
        X509Certificate current = certificate();
        Duration validity = Duration.between(current.getNotBefore().toInstant(), current.getNotAfter().toInstant())
                .minus(CertificateProfiles.BACKDATE);
        return rotateCa(Crypto.keyType(current.getPublicKey()), validity);
    }

    /**
     * Makes a new CA generation: a new key and self-signed certificate (the CN gets a " G&lt;n&gt;"
     * suffix, so issuer names stay distinct), and a cross certificate of the new key signed by the
     * current CA. New certificates are signed by the new CA and carry the cross certificate in their
     * chain; {@code ca.pem} holds both roots. Certificates issued before stay valid.
     *
     * @return the new CA certificate
     */
    public X509Certificate rotateCa(KeyType keyType, Duration validity) {
        if (validity.compareTo(Duration.ofDays(1)) < 0 || validity.compareTo(InitOptions.MAX_VALIDITY) > 0) {
            throw new IllegalArgumentException("CA validity: " + validity.toDays() + "d (expected: 1d to "
                    + InitOptions.MAX_VALIDITY.toDays() + "d)");
        }
        return change(() -> {
            CaState ca = state;
            CaState.Generation current = ca.current();
            int next = current.generation() + 1;
            Instant now = now();
            KeyPair keys = Crypto.generate(keyType);
            var subject = CaState.nextSubject(current.certificate(), next);
            X509Certificate root = CertificateProfiles.root(subject, keys, now.minus(CertificateProfiles.BACKDATE),
                    now.plus(validity));
            X509Certificate cross = CertificateProfiles.cross(root, current.certificate(), current.key(),
                    now.minus(CertificateProfiles.BACKDATE));
            CaState.writeGeneration(files, next, root, keys.getPrivate(), cross, passphrase);
            List<Integer> trusted = new ArrayList<>();
            trusted.add(next);
            trusted.addAll(ca.trustedGenerations());
            state = CaState.commit(files, next, trusted, passphrase);
            PublishedFiles.write(files, state, index.records(), now);
            return root;
        });
    }

    /**
     * Ends a rotation: the trust bundle, the CRLs and new chains keep only the current CA. Refused
     * while certificates of earlier generations are still valid and not revoked, unless
     * {@code force}: parties that trust only the new root would refuse those certificates.
     *
     * @return how many still-valid earlier certificates were left behind (0 unless forced)
     */
    public int finishRotation(boolean force) {
        return change(() -> {
            Instant now = now();
            int current = generation();
            List<IssuedRecord> stillValid = index.records().stream()
                    .filter(r -> r.caGeneration() != current && !r.revoked() && !r.expiredAt(now))
                    .toList();
            if (!stillValid.isEmpty() && !force) {
                Instant last = stillValid.stream().map(IssuedRecord::notAfter).max(Instant::compareTo).orElseThrow();
                throw new PkiException(stillValid.size() + " certificates issued by earlier CA generations are still valid"
                        + " (the last until " + last + "); renew them first, wait, or force");
            }
            state = CaState.commit(files, current, List.of(current), passphrase);
            PublishedFiles.write(files, state, index.records(), now);
            return stillValid.size();
        });
    }

    // ---- internals ----

    /** Certificates and CRLs hold whole seconds; so do the index and the checks. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS);
    }

    private <T> T change(Supplier<T> operation) {
        return files.locked(() -> {
            reload();
            return operation.get();
        });
    }

    private void writeIndex(List<IssuedRecord> records) {
        IssuedIndex.write(files.file(IssuedIndex.FILE), records);
        setIndex(IssuedIndex.View.load(files));
    }

    private void setIndex(IssuedIndex.View next) {
        IssuedIndex.View previous = index;
        index = next;
        if (!previous.revoked().equals(next.revoked())) {
            revocationGeneration.incrementAndGet();
        }
    }

    @Override
    public String toString() {
        return "CertificateAuthority[" + files.dir() + ", generation " + generation() + "]";
    }
}
