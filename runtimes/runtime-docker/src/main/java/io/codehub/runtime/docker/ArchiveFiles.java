package io.codehub.runtime.docker;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.codehub.runtime.ArchiveKey;
import io.codehub.runtime.support.ArchiveDigest;
import org.jspecify.annotations.Nullable;

/**
 * The archive store: a host directory holding {@code <key>} archives, each with a
 * {@code <key>.sha256} sidecar in {@code sha256sum} format ({@code <hex>  <key>\n}) that a restore
 * checks before it touches a volume.
 */
final class ArchiveFiles {

    private static final Pattern SIDECAR = Pattern.compile("([0-9a-f]{64}) [ *](\\S+)\\s*");
    private static final int MAX_SIDECAR_BYTES = 4096;

    private final Path dir;

    ArchiveFiles(Path dir) {
        this.dir = dir;
    }

    /** The directory, created when missing. */
    Path createDirectory() throws IOException {
        return Files.createDirectories(dir);
    }

    Path archive(ArchiveKey key) {
        return dir.resolve(key.value());
    }

    Path sidecar(ArchiveKey key) {
        return dir.resolve(key.value() + ".sha256");
    }

    boolean exists(ArchiveKey key) {
        return Files.isRegularFile(archive(key));
    }

    /** Size and SHA-256 of the archive, read in full. */
    ArchiveDigest digest(ArchiveKey key) throws IOException {
        MessageDigest sha256 = sha256();
        long bytes = 0;
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(archive(key))) {
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                sha256.update(buffer, 0, read);
                bytes += read;
            }
        }
        return new ArchiveDigest(bytes, HexFormat.of().formatHex(sha256.digest()));
    }

    /** Writes the sidecar atomically, so a reader never sees half of it. */
    void writeSidecar(ArchiveKey key, String sha256) throws IOException {
        Path target = sidecar(key);
        Path partial = dir.resolve("." + key.value() + ".sha256.partial");
        Files.writeString(partial, sha256 + "  " + key.value() + "\n", StandardCharsets.UTF_8);
        try {
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The digest the sidecar records for the archive, or {@code null} when it is missing or malformed. */
    @Nullable String expectedSha256(ArchiveKey key) throws IOException {
        Path sidecar = sidecar(key);
        try {
            if (Files.size(sidecar) > MAX_SIDECAR_BYTES) {
                return null;
            }
            Matcher matcher = SIDECAR.matcher(Files.readString(sidecar, StandardCharsets.UTF_8));
            return matcher.matches() && matcher.group(2).equals(key.value()) ? matcher.group(1) : null;
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Removes every file a failed archive job may have left under {@code key}: partial or whole. */
    void discard(ArchiveKey key) throws IOException {
        Files.deleteIfExists(dir.resolve("." + key.value() + ".partial"));
        Files.deleteIfExists(dir.resolve("." + key.value() + ".sha256.partial"));
        Files.deleteIfExists(sidecar(key));
        Files.deleteIfExists(archive(key));
    }

    /** Bytes free for the agent in the store's file system, or -1 when that cannot be read. */
    long usableBytes() {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
