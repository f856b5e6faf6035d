package io.codehub.pki;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writes a file whole or not at all: the bytes go to a temporary file in the same directory,
 * created with its final permissions (so a private key is never readable by others, not even for a
 * moment), forced to disk, then moved over the target. A reader (the hub watching the CA directory)
 * sees the old file or the new one, never half of one.
 */
final class AtomicFiles {

    static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rw-------");
    static final Set<PosixFilePermission> PUBLIC = PosixFilePermissions.fromString("rw-r--r--");

    private AtomicFiles() {
    }

    static void write(Path target, byte[] content, boolean secret) {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = null;
        try {
            Files.createDirectories(dir);
            temp = createTemp(dir, target.getFileName().toString(), secret);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            temp = null;
        } catch (IOException e) {
            throw new PkiException("write " + target + ": " + e, e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // the write already failed and says so; a stray temp file is harmless
                }
            }
        }
    }

    private static Path createTemp(Path dir, String name, boolean secret) throws IOException {
        boolean posix = Files.getFileStore(dir).supportsFileAttributeView("posix");
        for (int attempt = 0; ; attempt++) {
            Path temp = dir.resolve("." + name + "." + Long.toHexString(Crypto.random().nextLong()) + ".tmp");
            try {
                if (posix) {
                    FileAttribute<Set<PosixFilePermission>> permissions =
                            PosixFilePermissions.asFileAttribute(secret ? PRIVATE : PUBLIC);
                    Files.createFile(temp, permissions);
                    // the umask may have narrowed the mode; set it exactly (0644 for public files)
                    Files.setPosixFilePermissions(temp, secret ? PRIVATE : PUBLIC);
                } else {
                    Files.createFile(temp);
                }
                return temp;
            } catch (FileAlreadyExistsException e) {
                if (attempt > 10) {
                    throw e;
                }
            }
        }
    }
}
