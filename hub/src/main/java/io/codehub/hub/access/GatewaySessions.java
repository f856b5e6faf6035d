package io.codehub.hub.access;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.codehub.runtime.WorkspaceId;
import org.jspecify.annotations.Nullable;

/**
 * Signed gateway sessions: who may open which workspace until when, verified by any hub on the
 * same database without a database round trip.
 *
 * <h2>Token</h2>
 * {@code chs1.<payload>.<mac>}, both parts unpadded base64url. The MAC is HMAC-SHA256 over the
 * ASCII text {@code chs1.<payload>} with the key the payload names. The payload is binary, all
 * integers big-endian:
 * <pre>
 * offset  bytes  field
 *  0      4      key id (a row of gateway_keys)
 *  4      8      workspace generation: its createdAt in epoch milliseconds
 * 12      8      expiry, epoch seconds: valid while now &lt; expiry
 * 20      1      n, length of the workspace id
 * 21      n      workspace id, ASCII
 * 21+n    rest   subject, UTF-8 (at least one byte)
 * </pre>
 * A token is at most {@value #MAX_TOKEN_LENGTH} characters; longer text is refused before any work.
 *
 * <h2>Keys</h2>
 * Every key of {@code gateway_keys} verifies; the highest id signs. The keys are read once at
 * start-up ({@link AccessConfiguration}); rotation (a new key, the old one kept for verification
 * until its sessions have expired) is not implemented yet, but every token names its key so that
 * it can come without a format change.
 *
 * <h2>Threading</h2>
 * Thread-safe. {@link #verify} is meant for the gateway's event loops: synchronous, no I/O, no
 * lock, and allocation-light: each thread keeps its own {@link Mac} instances and buffers, so a
 * verification allocates only the JDK's few digest-sized arrays inside the MAC and, for a valid
 * session, its result and subject. {@link #mint} may allocate freely.
 */
public final class GatewaySessions {

    /** The text every token starts with: format version 1. */
    public static final String PREFIX = "chs1.";
    /** Longest token accepted; longer text is {@link Outcome#MALFORMED} before it is even decoded. */
    public static final int MAX_TOKEN_LENGTH = 2048;
    /** Longest subject, in characters. */
    public static final int MAX_SUBJECT_LENGTH = 256;

    private static final String ALGORITHM = "HmacSHA256";
    private static final int MAC_BYTES = 32;
    private static final int MAC_CHARS = 43;
    private static final int ID_LENGTH_AT = 20;
    private static final int ID_AT = 21;
    private static final int MAX_PAYLOAD_BYTES = (MAX_TOKEN_LENGTH - PREFIX.length() - 1 - MAC_CHARS) / 4 * 3 + 2;

    /** Why a token was refused, or {@link #OK}. The gateway logs it and answers 401 to anything but OK. */
    public enum Outcome {
        /** A valid session for this workspace and generation. */
        OK,
        /** Not a token of this format: wrong prefix, bad base64url, impossible lengths, or too long. */
        MALFORMED,
        /** The MAC does not match, or the token names a key this hub does not have. */
        BAD_SIGNATURE,
        /** Signed, but its expiry has passed. */
        EXPIRED,
        /** Signed for another workspace. */
        OTHER_WORKSPACE,
        /** Signed for an earlier workspace of the same id (deleted since). */
        STALE_GENERATION
    }

    /**
     * The result of {@link #verify}: {@link #outcome()}, and for {@link Outcome#OK} the subject and
     * expiry. Refusals are shared constants, so refusing allocates nothing.
     */
    public static final class Verified {

        private static final Verified[] REFUSALS = new Verified[Outcome.values().length];

        static {
            for (Outcome outcome : Outcome.values()) {
                REFUSALS[outcome.ordinal()] = new Verified(outcome, null, 0);
            }
        }

        private final Outcome outcome;
        private final @Nullable String subject;
        private final long expiresAtEpochSecond;

        private Verified(Outcome outcome, @Nullable String subject, long expiresAtEpochSecond) {
            this.outcome = outcome;
            this.subject = subject;
            this.expiresAtEpochSecond = expiresAtEpochSecond;
        }

        static Verified refused(Outcome outcome) {
            return REFUSALS[outcome.ordinal()];
        }

        /** Why the token was refused, or {@link Outcome#OK}. */
        public Outcome outcome() {
            return outcome;
        }

        /** Whether the token is a valid session for the workspace. */
        public boolean ok() {
            return outcome == Outcome.OK;
        }

        /** Who the session is for; only of a valid session. */
        public String subject() {
            if (subject == null) {
                throw new IllegalStateException("the session was refused (" + outcome + "): it has no subject");
            }
            return subject;
        }

        /** The session's expiry in epoch seconds; only of a valid session. */
        public long expiresAtEpochSecond() {
            if (!ok()) {
                throw new IllegalStateException("the session was refused (" + outcome + "): it has no expiry");
            }
            return expiresAtEpochSecond;
        }

        /** The session's expiry; only of a valid session. */
        public Instant expiresAt() {
            return Instant.ofEpochSecond(expiresAtEpochSecond());
        }

        @Override
        public String toString() {
            return ok() ? "Verified[OK, subject=" + subject + ", expiresAt=" + expiresAt() + "]"
                    : "Verified[" + outcome + "]";
        }
    }

    private final int[] keyIds;
    private final SecretKeySpec[] keys;
    private final int signingKey;
    private final Clock clock;
    private final ThreadLocal<Scratch> scratch;

    /**
     * @param keys  the keys that verify; the one with the highest id signs (at least one)
     * @param clock decides expiry
     */
    public GatewaySessions(List<GatewayKey> keys, Clock clock) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("keys: none (expected: at least one gateway session key)");
        }
        List<GatewayKey> sorted = keys.stream().sorted(Comparator.comparingInt(GatewayKey::id)).toList();
        this.keyIds = new int[sorted.size()];
        this.keys = new SecretKeySpec[sorted.size()];
        for (int i = 0; i < sorted.size(); i++) {
            if (i > 0 && sorted.get(i).id() == keyIds[i - 1]) {
                throw new IllegalArgumentException("keys: id " + keyIds[i - 1] + " twice (expected: distinct ids)");
            }
            keyIds[i] = sorted.get(i).id();
            this.keys[i] = new SecretKeySpec(sorted.get(i).secret(), ALGORITHM);
        }
        this.signingKey = sorted.size() - 1;
        this.clock = clock;
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(this.keys.length));
    }

    /** The id of the key that signs new sessions. */
    public int signingKeyId() {
        return keyIds[signingKey];
    }

    /**
     * A session token for {@code subject} on the workspace {@code workspaceId} of generation
     * {@code generation} ({@code Workspace.generation()}), valid until {@code expiresAt} (to the
     * second, rounded down).
     *
     * @throws IllegalArgumentException when the workspace id or subject is not valid (see
     *                                  {@link #isValidSubject}) or the expiry is before 1970
     */
    public String mint(String workspaceId, long generation, String subject, Instant expiresAt) {
        if (!WorkspaceId.isValid(workspaceId)) {
            throw new IllegalArgumentException("workspaceId: '" + workspaceId + "' (expected: [a-z0-9][a-z0-9-]{0,62})");
        }
        if (!isValidSubject(subject)) {
            throw new IllegalArgumentException("subject: " + subject.length() + " characters (expected: 1.."
                    + MAX_SUBJECT_LENGTH + " characters, no control characters)");
        }
        long expiry = expiresAt.getEpochSecond();
        if (expiry <= 0) {
            throw new IllegalArgumentException("expiresAt: " + expiresAt + " (expected: after 1970)");
        }
        byte[] id = workspaceId.getBytes(StandardCharsets.US_ASCII);
        byte[] who = subject.getBytes(StandardCharsets.UTF_8);
        byte[] payload = ByteBuffer.allocate(ID_AT + id.length + who.length)
                .putInt(keyIds[signingKey]).putLong(generation).putLong(expiry).put((byte) id.length).put(id).put(who)
                .array();
        String signed = PREFIX + Base64Url.encode(payload);
        Scratch s = scratch.get();
        byte[] mac = new byte[MAC_BYTES];
        try {
            Mac hmac = s.mac(signingKey, keys);
            hmac.update(signed.getBytes(StandardCharsets.US_ASCII));
            hmac.doFinal(mac, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a gateway session: " + e.getMessage(), e);
        }
        return signed + "." + Base64Url.encode(mac);
    }

    /**
     * Whether {@code token} is a valid session for the workspace {@code workspaceId} of generation
     * {@code workspaceGeneration} now. The checks run in this order, and the first that fails is the
     * outcome: length cap, format ({@code MALFORMED}), key and MAC ({@code BAD_SIGNATURE}), workspace
     * ({@code OTHER_WORKSPACE}), generation ({@code STALE_GENERATION}), expiry ({@code EXPIRED}).
     * Never throws on any input; the token's text is never logged or returned.
     */
    public Verified verify(@Nullable CharSequence token, String workspaceId, long workspaceGeneration) {
        if (token == null) {
            return Verified.refused(Outcome.MALFORMED);
        }
        int length = token.length();
        if (length > MAX_TOKEN_LENGTH || length < PREFIX.length() + 2 + MAC_CHARS) {
            return Verified.refused(Outcome.MALFORMED);
        }
        for (int i = 0; i < PREFIX.length(); i++) {
            if (token.charAt(i) != PREFIX.charAt(i)) {
                return Verified.refused(Outcome.MALFORMED);
            }
        }
        int macAt = length - MAC_CHARS;
        int signedEnd = macAt - 1;
        if (token.charAt(signedEnd) != '.') {
            return Verified.refused(Outcome.MALFORMED);
        }
        Scratch s = scratch.get();
        byte[] payload = s.payload;
        int payloadLength = Base64Url.decode(token, PREFIX.length(), signedEnd, payload);
        if (payloadLength < ID_AT + 2 || Base64Url.decode(token, macAt, length, s.presented) != MAC_BYTES) {
            return Verified.refused(Outcome.MALFORMED);
        }
        int key = keyIndex(readInt(payload, 0));
        if (key < 0) {
            return Verified.refused(Outcome.BAD_SIGNATURE);
        }
        // Every character up to signedEnd is ASCII: the prefix, and base64url that decoded.
        for (int i = 0; i < signedEnd; i++) {
            s.signed[i] = (byte) token.charAt(i);
        }
        try {
            Mac hmac = s.mac(key, keys);
            hmac.update(s.signed, 0, signedEnd);
            hmac.doFinal(s.computed, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot verify a gateway session: " + e.getMessage(), e);
        }
        if (!MessageDigest.isEqual(s.computed, s.presented)) {
            return Verified.refused(Outcome.BAD_SIGNATURE);
        }
        int idLength = payload[ID_LENGTH_AT] & 0xff;
        if (idLength == 0 || ID_AT + idLength >= payloadLength) {
            return Verified.refused(Outcome.MALFORMED);
        }
        if (!sameAscii(payload, ID_AT, idLength, workspaceId)) {
            return Verified.refused(Outcome.OTHER_WORKSPACE);
        }
        if (readLong(payload, 4) != workspaceGeneration) {
            return Verified.refused(Outcome.STALE_GENERATION);
        }
        long expiry = readLong(payload, 12);
        if (Math.floorDiv(clock.millis(), 1000L) >= expiry) {
            return Verified.refused(Outcome.EXPIRED);
        }
        int subjectAt = ID_AT + idLength;
        return new Verified(Outcome.OK, new String(payload, subjectAt, payloadLength - subjectAt, StandardCharsets.UTF_8),
                expiry);
    }

    /** Whether {@code subject} may be a session's subject: 1 to 256 characters, no control characters. */
    public static boolean isValidSubject(String subject) {
        if (subject.isEmpty() || subject.length() > MAX_SUBJECT_LENGTH) {
            return false;
        }
        for (int i = 0; i < subject.length(); i++) {
            if (Character.getType(subject.charAt(i)) == Character.CONTROL) {
                return false;
            }
        }
        return true;
    }

    private int keyIndex(int keyId) {
        for (int i = 0; i < keyIds.length; i++) {
            if (keyIds[i] == keyId) {
                return i;
            }
        }
        return -1;
    }

    private static boolean sameAscii(byte[] bytes, int at, int length, String text) {
        if (text.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (bytes[at + i] != text.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static int readInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    private static long readLong(byte[] b, int at) {
        return (long) readInt(b, at) << 32 | (readInt(b, at + 4) & 0xffffffffL);
    }

    /** One thread's buffers and MACs, so that verifying allocates nothing. */
    private static final class Scratch {

        final byte[] signed = new byte[MAX_TOKEN_LENGTH];
        final byte[] payload = new byte[MAX_PAYLOAD_BYTES];
        final byte[] presented = new byte[MAC_BYTES];
        final byte[] computed = new byte[MAC_BYTES];
        private final @Nullable Mac[] macs;

        Scratch(int keys) {
            this.macs = new Mac[keys];
        }

        Mac mac(int index, SecretKeySpec[] keys) throws GeneralSecurityException {
            Mac mac = macs[index];
            if (mac == null) {
                mac = Mac.getInstance(ALGORITHM);
                mac.init(keys[index]);
                macs[index] = mac;
            }
            return mac;
        }
    }
}
