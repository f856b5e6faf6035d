package io.codehub.hub.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

/**
 * The admin token, held only as its SHA-256. The token is 256 random bits (or an operator's
 * choice of at least 16 characters), so a fast hash is enough: unlike a password it cannot be
 * guessed from a dictionary, and every API call checks it. Comparison is constant-time.
 */
public final class AdminToken {

    /** The file, in the data directory, holding the hash of a generated token. */
    public static final String HASH_FILE = "admin-token.sha256";
    /** Shortest token an operator may configure. */
    public static final int MIN_LENGTH = 16;
    /** Longest token checked; anything longer is refused before hashing. */
    public static final int MAX_LENGTH = 512;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] hash;

    private AdminToken(byte[] hash) {
        this.hash = hash.clone();
    }

    /** The token {@code token}, kept as its hash. */
    public static AdminToken of(String token) {
        return new AdminToken(sha256(token));
    }

    /** Whether {@code presented} is the admin token. */
    public boolean matches(String presented) {
        return presented.length() <= MAX_LENGTH && MessageDigest.isEqual(hash, sha256(presented));
    }

    /**
     * The configured token when there is one; otherwise the one whose hash is stored in
     * {@code dataDir}; otherwise a new token, whose hash is stored and which is handed to
     * {@code announce} (the only time it exists outside its holder's hands).
     */
    public static AdminToken resolve(@Nullable String configured, Path dataDir, Consumer<String> announce)
            throws IOException {
        if (configured != null && !configured.isBlank()) {
            if (configured.length() < MIN_LENGTH || configured.length() > MAX_LENGTH) {
                throw new IllegalArgumentException("the token has " + configured.length() + " characters (expected: "
                        + MIN_LENGTH + ".." + MAX_LENGTH + ")");
            }
            return of(configured);
        }
        Path file = dataDir.resolve(HASH_FILE);
        if (Files.exists(file)) {
            String hex = Files.readString(file, StandardCharsets.US_ASCII).trim();
            if (!hex.matches("[0-9a-f]{64}")) {
                throw new IOException(file + " does not hold a SHA-256 hash");
            }
            return new AdminToken(HexFormat.of().parseHex(hex));
        }
        String token = generate();
        AdminToken admin = of(token);
        Path temporary = Files.createTempFile(dataDir, HASH_FILE, ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(temporary, HexFormat.of().formatHex(admin.hash) + "\n", StandardCharsets.US_ASCII);
            Files.move(temporary, file);
        } finally {
            Files.deleteIfExists(temporary);
        }
        announce.accept(token);
        return admin;
    }

    /** A new random token: {@code cha_} and 43 base64url characters. */
    static String generate() {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return "cha_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    @Override
    public String toString() {
        return "AdminToken[hash]";
    }
}
