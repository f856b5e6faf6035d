package io.codehub.hub.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.codehub.hub.access.AccessCodes.Redeemed;
import io.codehub.hub.access.GatewaySessions.Outcome;
import io.codehub.hub.access.GatewaySessions.Verified;
import io.codehub.hub.db.Sql;
import io.codehub.hub.support.MutableClock;
import io.codehub.hub.support.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * One-time codes and the shared session keys on every database the hub supports:
 * {@link H2AccessCodesTest} (embedded H2) and {@link PostgresAccessCodesIT} (the real PostgreSQL).
 * Each subclass opens one freshly migrated database for its tests.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
abstract class AbstractAccessCodesTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CODE_TTL = Duration.ofSeconds(60);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    private TestDatabase database;
    private GatewaySessions sessions;
    private AccessCodes codes;

    /** Opens the database under test. */
    abstract TestDatabase open() throws Exception;

    @BeforeAll
    void openDatabase() throws Exception {
        database = open();
        List<GatewayKey> keys = new GatewayKeyRepository(database.client(), clock, new SecureRandom()).loadOrCreate()
                .block(TIMEOUT);
        sessions = new GatewaySessions(keys, clock);
        codes = new AccessCodes(database.client(), sessions, CODE_TTL, clock, new SecureRandom());
    }

    @AfterAll
    void closeDatabase() throws Exception {
        if (database != null) {
            database.close();
        }
    }

    private static String workspaceId() {
        return UUID.randomUUID().toString();
    }

    private String issue(String workspace, String path) {
        return codes.issue(workspace, 42L, "alice", clock.instant().plus(Duration.ofHours(8)), path).block(TIMEOUT);
    }

    private Optional<Redeemed> redeem(String code, String workspace) {
        return codes.redeem(code, workspace).blockOptional(TIMEOUT);
    }

    // ---- keys ----------------------------------------------------------------------------------

    @Test
    void everyHubOnTheDatabaseGetsTheSameKeyEvenWhenStartingTogether() {
        List<List<GatewayKey>> loaded = Flux.range(0, 8)
                .flatMap(i -> new GatewayKeyRepository(database.client(), clock, new SecureRandom()).loadOrCreate()
                        .subscribeOn(Schedulers.parallel()), 8)
                .collectList().block(TIMEOUT);
        assertThat(loaded).hasSize(8).allSatisfy(keys -> {
            assertThat(keys).hasSize(1);
            assertThat(keys.get(0).id()).isEqualTo(1);
        });
        assertThat(loaded.stream().map(keys -> keys.get(0)).distinct()).hasSize(1);
        // A session minted by one hub verifies on another built from the same table.
        GatewaySessions otherHub = new GatewaySessions(loaded.get(7), clock);
        String token = sessions.mint("ws-1", 1, "alice", clock.instant().plusSeconds(60));
        assertThat(otherHub.verify(token, "ws-1", 1).ok()).isTrue();
    }

    // ---- codes ---------------------------------------------------------------------------------

    @Test
    void aCodeRedeemsOnceIntoASessionForItsWorkspace() {
        String workspace = workspaceId();
        Instant sessionExpiry = clock.instant().plus(Duration.ofHours(8));
        String code = codes.issue(workspace, 42L, "alice", sessionExpiry, "/lab?x=1").block(TIMEOUT);
        assertThat(code).matches("[A-Za-z0-9_-]{43}");

        Redeemed redeemed = redeem(code, workspace).orElseThrow();
        assertThat(redeemed.subject()).isEqualTo("alice");
        assertThat(redeemed.redirectPath()).isEqualTo("/lab?x=1");
        assertThat(redeemed.expiresAt()).isEqualTo(sessionExpiry);
        assertThat(redeemed.toString()).doesNotContain(redeemed.token()).doesNotContain(code);
        Verified verified = sessions.verify(redeemed.token(), workspace, 42L);
        assertThat(verified.ok()).isTrue();
        assertThat(verified.subject()).isEqualTo("alice");
        assertThat(verified.expiresAt()).isEqualTo(sessionExpiry);
        assertThat(sessions.verify(redeemed.token(), workspace, 43L).outcome()).isEqualTo(Outcome.STALE_GENERATION);

        assertThat(redeem(code, workspace)).as("second redemption").isEmpty();
    }

    @Test
    void theDatabaseHoldsOnlyTheCodesHash() {
        String workspace = workspaceId();
        String code = issue(workspace, "/");
        List<String> stored = database.client().sql("SELECT code_hash FROM gateway_codes WHERE workspace_id = :w")
                .bind("w", workspace).map(row -> Sql.text(row, "code_hash")).all().collectList().block(TIMEOUT);
        assertThat(stored).containsExactly(AccessCodes.hash(code)).doesNotContain(code);
        assertThat(stored.get(0)).matches("[0-9a-f]{64}");
    }

    @Test
    void anExpiredCodeFails() {
        String workspace = workspaceId();
        String code = issue(workspace, "/");
        String later = issue(workspace, "/");
        clock.advance(CODE_TTL.minusMillis(1));
        assertThat(redeem(later, workspace)).as("just before expiry").isPresent();
        clock.advance(Duration.ofMillis(1));
        assertThat(redeem(code, workspace)).as("at expiry").isEmpty();
    }

    @Test
    void anotherWorkspacesCodeFailsAndStaysUsable() {
        String workspace = workspaceId();
        String code = issue(workspace, "/");
        assertThat(redeem(code, workspaceId())).isEmpty();
        assertThat(redeem(code, workspace)).as("the failed attempt did not use it up").isPresent();
    }

    @Test
    void unknownAndMalformedCodesFail() {
        String workspace = workspaceId();
        issue(workspace, "/");
        byte[] random = new byte[AccessCodes.CODE_BYTES];
        new SecureRandom().nextBytes(random);
        for (String code : List.of(Base64Url.encode(random), "", "short", "x".repeat(43), "A".repeat(42) + "B",
                "A".repeat(42) + "=", "A".repeat(44), "A".repeat(10_000))) {
            assertThat(redeem(code, workspace)).as(code.length() > 50 ? "long" : code).isEmpty();
        }
    }

    @Test
    void aCodeWhoseSessionHasAlreadyEndedFails() {
        String workspace = workspaceId();
        String code = codes.issue(workspace, 1L, "alice", clock.instant().plusSeconds(5), "/").block(TIMEOUT);
        clock.advance(Duration.ofSeconds(5));
        assertThat(redeem(code, workspace)).isEmpty();
    }

    @Test
    void ofConcurrentRedemptionsExactlyOneWins() {
        for (int round = 0; round < 10; round++) {
            String workspace = workspaceId();
            String code = issue(workspace, "/");
            List<Boolean> won = Flux.range(0, 16)
                    .flatMap(i -> codes.redeem(code, workspace).map(r -> true).defaultIfEmpty(false)
                            .subscribeOn(Schedulers.parallel()), 16)
                    .collectList().block(TIMEOUT);
            assertThat(won).as("round %d", round).hasSize(16);
            assertThat(won).as("round %d", round).filteredOn(Boolean::booleanValue).hasSize(1);
        }
    }

    @Test
    void theSweepDeletesOnlyCodesLongExpired() {
        String workspace = workspaceId();
        List<String> old = Flux.range(0, AccessCodes.SWEEP_BATCH + 7)
                .concatMap(i -> codes.issue(workspace, 1L, "alice", clock.instant().plus(Duration.ofHours(1)), "/"))
                .collectList().block(TIMEOUT);
        clock.advance(CODE_TTL.plus(AccessCodes.SWEEP_GRACE).plusSeconds(1));
        List<String> recent = List.of(issue(workspace, "/"), issue(workspace, "/"));
        clock.advance(CODE_TTL.plusSeconds(1));
        // Other tests' codes (all older) may go too: at least ours.
        assertThat(codes.deleteExpired().block(TIMEOUT)).isGreaterThanOrEqualTo(old.size());
        assertThat(count(workspace)).as("codes expired for less than the grace period stay").isEqualTo(recent.size());
        assertThat(redeem(recent.get(0), workspace)).as("expired all the same").isEmpty();
        assertThat(codes.deleteExpired().block(TIMEOUT)).isZero();
    }

    private long count(String workspace) {
        return database.client().sql("SELECT COUNT(*) AS n FROM gateway_codes WHERE workspace_id = :w")
                .bind("w", workspace).map(row -> Sql.bigint(row, "n")).one().block(TIMEOUT);
    }

    @Test
    void issuingNeedsNoWorkspaceRowAndManyCodesMayCoexist() {
        String workspace = workspaceId();
        List<String> many = Flux.range(0, 20).flatMapSequential(i -> codes.issue(workspace, 1L, "s" + i,
                clock.instant().plusSeconds(3600), "/" + i)).collectList().block(TIMEOUT);
        assertThat(many).doesNotHaveDuplicates();
        assertThat(redeem(many.get(3), workspace).orElseThrow().redirectPath()).isEqualTo("/3");
    }
}
