package io.codehub.hub.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

import io.codehub.hub.db.Sql;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One-time codes of access links ({@code /.codehub/access?code=...} on a workspace host), kept in
 * {@code gateway_codes}.
 *
 * <h2>Contract</h2>
 * A code is {@value #CODE_BYTES} random bytes as unpadded base64url ({@value #CODE_LENGTH}
 * characters). The database holds only its SHA-256, with what it grants: workspace and generation,
 * subject, the session's expiry and the path to send the browser to. It is valid for
 * {@code codeTtl} (at most 60 s) and works once across every hub on the database:
 * {@link #redeem} is one conditional {@code UPDATE} (unused, unexpired, this workspace), so of two
 * concurrent redemptions exactly one changes the row. Expired rows are deleted by
 * {@link #deleteExpired()} (run every minute by {@link AccessCodeSweeper}).
 *
 * <h2>Secrets</h2>
 * Neither a code nor a session token is ever logged, and {@link Redeemed#toString()} hides the token.
 *
 * <p>Thread-safe; every method is non-blocking (R2DBC).
 */
public final class AccessCodes {

    /** Random bytes in a code (256 bits). */
    public static final int CODE_BYTES = 32;
    /** Characters of a code: unpadded base64url of {@value #CODE_BYTES} bytes. */
    public static final int CODE_LENGTH = 43;

    /** Rows deleted per statement of a sweep. */
    static final int SWEEP_BATCH = 500;
    /** Statements per sweep at most: a sweep stays bounded whatever has piled up. */
    static final int SWEEP_BATCHES = 20;
    /** How long an expired row stays: a redemption that won just before expiry still reads it. */
    static final Duration SWEEP_GRACE = Duration.ofMinutes(1);

    private final DatabaseClient db;
    private final GatewaySessions sessions;
    private final Duration codeTtl;
    private final Clock clock;
    private final SecureRandom random;

    /**
     * What a redeemed code grants: a session token (the cookie's value), its expiry, the path to
     * redirect the browser to, and the subject.
     */
    public record Redeemed(String token, Instant expiresAt, String redirectPath, String subject) {

        @Override
        public String toString() {
            return "Redeemed[token=<hidden>, expiresAt=" + expiresAt + ", redirectPath=" + redirectPath + ", subject="
                    + subject + "]";
        }
    }

    /**
     * @param codeTtl how long a code is valid (positive, at most 60 s: {@code GatewayProperties.codeTtl()})
     */
    public AccessCodes(DatabaseClient db, GatewaySessions sessions, Duration codeTtl, Clock clock, SecureRandom random) {
        if (codeTtl.isNegative() || codeTtl.isZero() || codeTtl.compareTo(Duration.ofSeconds(60)) > 0) {
            throw new IllegalArgumentException("codeTtl: " + codeTtl + " (expected: > 0 and <= 60s)");
        }
        this.db = db;
        this.sessions = sessions;
        this.codeTtl = codeTtl;
        this.clock = clock;
        this.random = random;
    }

    /**
     * A new code that grants {@code subject} a session on the workspace {@code workspaceId} of
     * generation {@code generation} until {@code sessionExpiresAt}, landing on {@code redirectPath}
     * (checked by the caller: a path on the workspace host). Completes with the code.
     */
    public Mono<String> issue(String workspaceId, long generation, String subject, Instant sessionExpiresAt,
            String redirectPath) {
        return Mono.defer(() -> {
            byte[] bytes = new byte[CODE_BYTES];
            random.nextBytes(bytes);
            String code = Base64Url.encode(bytes);
            Instant now = clock.instant();
            GenericExecuteSpec spec = db.sql("""
                    INSERT INTO gateway_codes (code_hash, workspace_id, generation, subject, session_expires_at,
                        redirect_path, expires_at)
                    VALUES (:hash, :workspaceId, :generation, :subject, :sessionExpiresAt, :redirectPath, :expiresAt)""")
                    .bind("hash", hash(code))
                    .bind("workspaceId", workspaceId)
                    .bind("generation", generation)
                    .bind("subject", subject)
                    .bind("redirectPath", redirectPath);
            spec = Sql.bind(spec, "sessionExpiresAt", sessionExpiresAt, Instant.class);
            spec = Sql.bind(spec, "expiresAt", now.plus(codeTtl), Instant.class);
            return spec.then().thenReturn(code);
        });
    }

    /**
     * Redeems {@code code} for the workspace {@code workspaceId}: completes with a fresh session
     * when the code is unused, unexpired, for this workspace and grants a session that has not
     * expired yet, and marks it used; completes empty otherwise (unknown, used, expired, another
     * workspace's, or not even shaped like a code, which never reaches the database).
     */
    public Mono<Redeemed> redeem(String code, String workspaceId) {
        if (!Base64Url.isEncodingOf(code, CODE_BYTES)) {
            return Mono.empty();
        }
        return Mono.defer(() -> {
            String hash = hash(code);
            Instant now = clock.instant();
            GenericExecuteSpec claim = db.sql("""
                    UPDATE gateway_codes SET used_at = :now
                    WHERE code_hash = :hash AND workspace_id = :workspaceId AND used_at IS NULL
                      AND expires_at > :now AND session_expires_at > :now""")
                    .bind("hash", hash)
                    .bind("workspaceId", workspaceId);
            claim = Sql.bind(claim, "now", now, Instant.class);
            return claim.fetch().rowsUpdated()
                    .filter(rows -> rows == 1)
                    .flatMap(won -> db.sql("""
                            SELECT generation, subject, session_expires_at, redirect_path
                            FROM gateway_codes WHERE code_hash = :hash""")
                            .bind("hash", hash)
                            .map(row -> {
                                Instant expiresAt = Sql.requiredInstant(row, "session_expires_at");
                                String subject = Sql.text(row, "subject");
                                String token = sessions.mint(workspaceId, Sql.bigint(row, "generation"), subject, expiresAt);
                                return new Redeemed(token, expiresAt, Sql.text(row, "redirect_path"), subject);
                            })
                            .one());
        });
    }

    /**
     * Deletes codes that expired more than {@link #SWEEP_GRACE} ago, {@value #SWEEP_BATCH} rows per
     * statement and at most {@value #SWEEP_BATCHES} statements; completes with how many went.
     */
    public Mono<Long> deleteExpired() {
        return Flux.range(0, SWEEP_BATCHES)
                .concatMap(batch -> {
                    GenericExecuteSpec spec = db.sql("""
                            DELETE FROM gateway_codes WHERE code_hash IN (
                                SELECT code_hash FROM gateway_codes WHERE expires_at < :cutoff
                                ORDER BY expires_at LIMIT :limit)""")
                            .bind("limit", SWEEP_BATCH);
                    return Sql.bind(spec, "cutoff", clock.instant().minus(SWEEP_GRACE), Instant.class)
                            .fetch().rowsUpdated();
                }, 0)
                .takeUntil(deleted -> deleted < SWEEP_BATCH)
                .reduce(0L, Long::sum);
    }

    /** The SHA-256 of a code, hex: the key of its row. */
    static String hash(String code) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(code.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
