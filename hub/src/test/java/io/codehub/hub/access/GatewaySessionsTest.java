package io.codehub.hub.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.sun.management.ThreadMXBean;
import io.codehub.hub.access.GatewaySessions.Outcome;
import io.codehub.hub.access.GatewaySessions.Verified;
import io.codehub.hub.support.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class GatewaySessionsTest {

    static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    static final String WORKSPACE = "060a0eab-5f4c-4d38-9a57-1b2f7f8d9c10";
    static final long GENERATION = T0.minusSeconds(3600).toEpochMilli();

    final MutableClock clock = new MutableClock(T0);
    final GatewayKey key1 = key(1, (byte) 1);
    final GatewaySessions sessions = new GatewaySessions(List.of(key1), clock);

    static GatewayKey key(int id, byte fill) {
        byte[] secret = new byte[GatewayKey.SECRET_BYTES];
        Arrays.fill(secret, fill);
        secret[0] = (byte) id;
        return new GatewayKey(id, secret);
    }

    String mint(String subject, Duration ttl) {
        return sessions.mint(WORKSPACE, GENERATION, subject, clock.instant().plus(ttl));
    }

    Outcome outcome(CharSequence token) {
        return sessions.verify(token, WORKSPACE, GENERATION).outcome();
    }

    // ---- valid sessions ------------------------------------------------------------------------

    @Test
    void aMintedSessionVerifiesWithItsSubjectAndExpiry() {
        String token = mint("alice@example.com", Duration.ofHours(8));
        assertThat(token).startsWith("chs1.").matches("chs1\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}");
        Verified verified = sessions.verify(token, WORKSPACE, GENERATION);
        assertThat(verified.ok()).isTrue();
        assertThat(verified.outcome()).isEqualTo(Outcome.OK);
        assertThat(verified.subject()).isEqualTo("alice@example.com");
        assertThat(verified.expiresAt()).isEqualTo(T0.plus(Duration.ofHours(8)));
        assertThat(verified.expiresAtEpochSecond()).isEqualTo(T0.plus(Duration.ofHours(8)).getEpochSecond());
        assertThat(verified.toString()).doesNotContain(token);
        // A CharSequence that is not a String, as the gateway may hand over (e.g. a header value).
        assertThat(sessions.verify(new StringBuilder(token), WORKSPACE, GENERATION).ok()).isTrue();
    }

    @Test
    void anotherHubWithTheSameKeyVerifiesIt() {
        String token = mint("bob", Duration.ofMinutes(5));
        GatewaySessions otherHub = new GatewaySessions(List.of(key(1, (byte) 1)), clock);
        assertThat(otherHub.verify(token, WORKSPACE, GENERATION).subject()).isEqualTo("bob");
    }

    @Test
    void theLongestSubjectInWideCharactersStaysUnderTheCap() {
        String subject = "\u20ac".repeat(GatewaySessions.MAX_SUBJECT_LENGTH); // 3 bytes each in UTF-8
        String token = mint(subject, Duration.ofDays(7));
        assertThat(token.length()).isLessThanOrEqualTo(GatewaySessions.MAX_TOKEN_LENGTH);
        assertThat(sessions.verify(token, WORKSPACE, GENERATION).subject()).isEqualTo(subject);
        String emoji = "\uD83D\uDE00".repeat(GatewaySessions.MAX_SUBJECT_LENGTH / 2);
        assertThat(sessions.verify(mint(emoji, Duration.ofHours(1)), WORKSPACE, GENERATION).subject()).isEqualTo(emoji);
    }

    @Test
    void expiryIsTheExactSecond() {
        String token = mint("alice", Duration.ofSeconds(60));
        clock.advance(Duration.ofSeconds(59).plusMillis(999));
        assertThat(outcome(token)).isEqualTo(Outcome.OK);
        clock.advance(Duration.ofMillis(1));
        assertThat(outcome(token)).isEqualTo(Outcome.EXPIRED);
        clock.advance(Duration.ofDays(3650));
        assertThat(outcome(token)).isEqualTo(Outcome.EXPIRED);
    }

    @Test
    void anExpiryIsRoundedDownToTheSecond() {
        String token = sessions.mint(WORKSPACE, GENERATION, "alice", T0.plusMillis(1500));
        assertThat(sessions.verify(token, WORKSPACE, GENERATION).expiresAt()).isEqualTo(T0.plusSeconds(1));
    }

    // ---- refusals ------------------------------------------------------------------------------

    @Test
    void anotherWorkspaceOrGenerationIsRefused() {
        String token = mint("alice", Duration.ofHours(1));
        assertThat(sessions.verify(token, "060a0eab-5f4c-4d38-9a57-1b2f7f8d9c11", GENERATION).outcome())
                .isEqualTo(Outcome.OTHER_WORKSPACE);
        assertThat(sessions.verify(token, WORKSPACE.substring(1), GENERATION).outcome()).isEqualTo(Outcome.OTHER_WORKSPACE);
        assertThat(sessions.verify(token, WORKSPACE + "0", GENERATION).outcome()).isEqualTo(Outcome.OTHER_WORKSPACE);
        assertThat(sessions.verify(token, "", GENERATION).outcome()).isEqualTo(Outcome.OTHER_WORKSPACE);
        assertThat(sessions.verify(token, WORKSPACE, GENERATION + 1).outcome()).isEqualTo(Outcome.STALE_GENERATION);
        assertThat(sessions.verify(token, WORKSPACE, 0).outcome()).isEqualTo(Outcome.STALE_GENERATION);
    }

    @Test
    void malformedTextIsRefusedWithoutThrowing() {
        String token = mint("alice", Duration.ofHours(1));
        int lastDot = token.lastIndexOf('.');
        List<String> malformed = List.of(
                "",
                "chs1.",
                "chs1..",
                "Bearer " + token,
                "chs2" + token.substring(4),
                "CHS1" + token.substring(4),
                token.substring(1),
                token.substring(0, token.length() - 1),           // MAC one character short
                token + "A",                                       // MAC one character long
                token.substring(0, lastDot) + token.substring(lastDot + 1), // no dot before the MAC
                token.substring(0, lastDot) + ":" + token.substring(lastDot + 1),
                token.replace('.', '+'),
                token.substring(0, 10) + "=" + token.substring(11), // not base64url
                token.substring(0, 10) + "/" + token.substring(11),
                token.substring(0, 10) + "\u00e9" + token.substring(11),
                token.substring(0, lastDot - 2) + token.substring(lastDot), // payload of a length no base64 has
                "chs1." + b64(new byte[22]) + "." + token.substring(lastDot + 1), // payload too short
                "chs1.AAAA." + token.substring(lastDot + 1));
        for (String text : malformed) {
            assertThat(outcome(text)).as(text).isEqualTo(Outcome.MALFORMED);
        }
        assertThat(sessions.verify(null, WORKSPACE, GENERATION).outcome()).isEqualTo(Outcome.MALFORMED);
    }

    @Test
    void aSignedPayloadWithImpossibleLengthsIsMalformed() throws Exception {
        long expiry = T0.plusSeconds(3600).getEpochSecond();
        byte[] id = WORKSPACE.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer valid = ByteBuffer.allocate(21 + id.length + 1).putInt(1).putLong(GENERATION).putLong(expiry)
                .put((byte) id.length).put(id).put((byte) 'a');
        assertThat(outcome(signed(valid.array(), key1))).as("the hand-made reference").isEqualTo(Outcome.OK);

        byte[] noSubject = Arrays.copyOf(valid.array(), 21 + id.length);
        assertThat(outcome(signed(noSubject, key1))).isEqualTo(Outcome.MALFORMED);
        byte[] idTooLong = valid.array().clone();
        idTooLong[20] = (byte) 200;
        assertThat(outcome(signed(idTooLong, key1))).isEqualTo(Outcome.MALFORMED);
        byte[] noId = valid.array().clone();
        noId[20] = 0;
        assertThat(outcome(signed(noId, key1))).isEqualTo(Outcome.MALFORMED);
    }

    @Test
    void tokensLongerThanTheCapAreRefusedBeforeAnyWork() {
        String token = mint("alice", Duration.ofHours(1));
        StringBuilder huge = new StringBuilder(token);
        huge.insert(5, "A".repeat(GatewaySessions.MAX_TOKEN_LENGTH - token.length() + 4)); // keeps base64 length valid
        assertThat(huge.length()).isGreaterThan(GatewaySessions.MAX_TOKEN_LENGTH);
        assertThat(outcome(huge)).isEqualTo(Outcome.MALFORMED);
        // A CharSequence that fails on any read past its length: only length() may be called.
        CharSequence endless = new CharSequence() {
            @Override
            public int length() {
                return 1 << 30;
            }

            @Override
            public char charAt(int index) {
                throw new AssertionError("read character " + index + " of an over-long token");
            }

            @Override
            public CharSequence subSequence(int start, int end) {
                throw new AssertionError("subSequence of an over-long token");
            }
        };
        assertThat(outcome(endless)).isEqualTo(Outcome.MALFORMED);
    }

    @Test
    void aChangeOfAnyPayloadByteOrMacByteBreaksTheSignature() {
        String token = mint("alice", Duration.ofHours(1));
        String[] parts = token.split("\\.");
        byte[] payload = Base64.getUrlDecoder().decode(parts[1]);
        byte[] mac = Base64.getUrlDecoder().decode(parts[2]);
        for (int i = 0; i < payload.length; i++) {
            byte[] changed = payload.clone();
            changed[i] ^= 0x01;
            // Bytes 0..3 are the key id (no such key), the rest is covered by the MAC.
            assertThat(outcome("chs1." + b64(changed) + "." + parts[2])).as("payload byte %d", i)
                    .isEqualTo(Outcome.BAD_SIGNATURE);
        }
        for (int i = 0; i < mac.length; i++) {
            byte[] changed = mac.clone();
            changed[i] ^= (byte) 0x80;
            assertThat(outcome("chs1." + parts[1] + "." + b64(changed))).as("MAC byte %d", i)
                    .isEqualTo(Outcome.BAD_SIGNATURE);
        }
        // Longer or shorter subject, another workspace, a later expiry: all need the key.
        assertThat(outcome("chs1." + b64(Arrays.copyOf(payload, payload.length + 1)) + "." + parts[2]))
                .isEqualTo(Outcome.BAD_SIGNATURE);
        assertThat(outcome("chs1." + b64(Arrays.copyOf(payload, payload.length - 1)) + "." + parts[2]))
                .isEqualTo(Outcome.BAD_SIGNATURE);
        String forged = new GatewaySessions(List.of(key(1, (byte) 2)), clock)
                .mint(WORKSPACE, GENERATION, "alice", T0.plus(Duration.ofDays(7)));
        assertThat(outcome(forged)).as("signed with another secret under the same key id")
                .isEqualTo(Outcome.BAD_SIGNATURE);
    }

    @Test
    void theSignatureIsCheckedBeforeWhatTheTokenSays() {
        // An expired token for another workspace with a bad MAC: the MAC is what counts.
        String token = new GatewaySessions(List.of(key(1, (byte) 9)), clock)
                .mint("other-workspace", 7, "mallory", T0.minusSeconds(10));
        assertThat(outcome(token)).isEqualTo(Outcome.BAD_SIGNATURE);
        String signed = sessions.mint("other-workspace", 7, "mallory", T0.minusSeconds(10));
        assertThat(outcome(signed)).isEqualTo(Outcome.OTHER_WORKSPACE);
    }

    @Test
    void theNewestKeySignsAndEveryKnownKeyVerifies() {
        String old = mint("alice", Duration.ofHours(1));
        GatewaySessions rotated = new GatewaySessions(List.of(key(2, (byte) 2), key1), clock);
        assertThat(rotated.signingKeyId()).isEqualTo(2);
        assertThat(rotated.verify(old, WORKSPACE, GENERATION).ok()).isTrue();
        String fresh = rotated.mint(WORKSPACE, GENERATION, "alice", T0.plusSeconds(60));
        assertThat(Base64.getUrlDecoder().decode(fresh.split("\\.")[1])[3]).isEqualTo((byte) 2);
        assertThat(outcome(fresh)).as("a hub without key 2").isEqualTo(Outcome.BAD_SIGNATURE);
        GatewaySessions onlyTwo = new GatewaySessions(List.of(key(2, (byte) 2)), clock);
        assertThat(onlyTwo.verify(old, WORKSPACE, GENERATION).outcome()).as("key 1 retired")
                .isEqualTo(Outcome.BAD_SIGNATURE);
    }

    // ---- minting rules ------------------------------------------------------------------------

    @Test
    void mintRefusesWhatNoSessionMayHold() {
        Instant later = T0.plusSeconds(60);
        assertThatThrownBy(() -> sessions.mint("Not_A_Workspace", GENERATION, "alice", later))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("workspaceId");
        assertThatThrownBy(() -> sessions.mint(WORKSPACE, GENERATION, "", later))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("subject");
        assertThatThrownBy(() -> sessions.mint(WORKSPACE, GENERATION, "a\nb", later))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("subject");
        assertThatThrownBy(() -> sessions.mint(WORKSPACE, GENERATION, "a\u0085b", later))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("subject");
        assertThatThrownBy(() -> sessions.mint(WORKSPACE, GENERATION, "x".repeat(257), later))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("subject");
        assertThatThrownBy(() -> sessions.mint(WORKSPACE, GENERATION, "alice", Instant.EPOCH))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expiresAt");
        assertThatThrownBy(() -> new GatewaySessions(List.of(), clock)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new GatewaySessions(List.of(key1, key(1, (byte) 3)), clock))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("twice");
        assertThat(key1.toString()).doesNotContain(Arrays.toString(key1.secret())).contains("hidden");
    }

    @Test
    void aRefusalHasNoSubjectOrExpiry() {
        Verified refused = sessions.verify("nonsense", WORKSPACE, GENERATION);
        assertThat(refused.ok()).isFalse();
        assertThatThrownBy(refused::subject).isInstanceOf(IllegalStateException.class).hasMessageContaining("MALFORMED");
        assertThatThrownBy(refused::expiresAt).isInstanceOf(IllegalStateException.class);
    }

    // ---- event-loop use ------------------------------------------------------------------------

    @Test
    void threadsVerifyConcurrentlyWithTheirOwnBuffers() throws Exception {
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            tokens.add(mint("user-" + i + "-" + "x".repeat(i * 20), Duration.ofHours(1)));
        }
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int offset = t;
                results.add(threads.submit(() -> {
                    int wrong = 0;
                    for (int i = 0; i < 20_000; i++) {
                        int n = (i + offset) % tokens.size();
                        Verified verified = sessions.verify(tokens.get(n), WORKSPACE, GENERATION);
                        if (!verified.ok() || !verified.subject().startsWith("user-" + n + "-")) {
                            wrong++;
                        }
                    }
                    return wrong;
                }));
            }
            for (Future<Integer> result : results) {
                assertThat(result.get(30, TimeUnit.SECONDS)).isZero();
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void verifyingAllocatesLittle() {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertThat(threads.isThreadAllocatedMemorySupported()).isTrue();
        String token = mint("alice@example.com", Duration.ofHours(1));
        String forged = token.substring(0, token.length() - 2) + (token.endsWith("AA") ? "BA" : "AA");
        long id = Thread.currentThread().getId();
        for (int i = 0; i < 20_000; i++) {
            sessions.verify(token, WORKSPACE, GENERATION);
            sessions.verify(forged, WORKSPACE, GENERATION);
        }
        int rounds = 10_000;
        long before = threads.getThreadAllocatedBytes(id);
        int ok = 0;
        for (int i = 0; i < rounds; i++) {
            ok += sessions.verify(token, WORKSPACE, GENERATION).ok() ? 1 : 0;
            ok += sessions.verify(forged, WORKSPACE, GENERATION).ok() ? 1 : 0;
        }
        long perVerification = (threads.getThreadAllocatedBytes(id) - before) / (2L * rounds);
        assertThat(ok).isEqualTo(rounds);
        // The JDK's HMAC allocates a few 32-byte arrays; a valid session adds its result and subject.
        // A decoded copy of the token, a String of it or a new Mac would each be far more.
        assertThat(perVerification).as("bytes allocated per verification").isLessThan(400);
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** A token signed with {@code key1} around any payload, as only a holder of the key could make. */
    private static String signed(byte[] payload, GatewayKey key) throws Exception {
        String text = "chs1." + b64(payload);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.secret(), "HmacSHA256"));
        return text + "." + b64(mac.doFinal(text.getBytes(StandardCharsets.US_ASCII)));
    }
}
