package io.codehub.pki;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The files of a CA directory and the lock that serialises every change to them.
 *
 * <p>Two processes may change one directory at once (the hub revoking through its API while an
 * operator runs {@code codehub pki revoke}). Each change takes an exclusive {@link FileLock} on
 * {@code .lock}, re-reads the state from disk, changes it and writes every file atomically, so no
 * change is lost and no reader sees a half-written file. A file lock is held per process, not per
 * thread, so threads of one JVM first take an in-process lock for the same directory.
 */
final class CaDirectory {

    static final String TRUST_BUNDLE = "ca.pem";
    static final String CA_CERT = "ca-cert.pem";
    static final String CA_KEY = "ca-key.pem";
    static final String CROSS_CERT = "cross.pem";
    static final String STATE = "ca.properties";
    static final String CRL = "crl.pem";
    static final String LOCK = ".lock";

    /**
     * One lock per directory for the whole JVM: a second {@code FileChannel.lock} on a file this
     * process already locks throws instead of waiting, so in-process callers must queue here first.
     */
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    private final Path dir;

    CaDirectory(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    Path dir() {
        return dir;
    }

    Path file(String name) {
        return dir.resolve(name);
    }

    <T> T locked(Supplier<T> change) {
        ReentrantLock lock = IN_PROCESS.computeIfAbsent(dir, d -> new ReentrantLock());
        lock.lock();
        try (FileChannel channel = FileChannel.open(file(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock ignored = channel.lock()) {
            return change.get();
        } catch (IOException e) {
            throw new PkiException("lock " + file(LOCK) + ": " + e, e);
        } finally {
            lock.unlock();
        }
    }

    Properties readState() {
        Path file = file(STATE);
        if (!Files.exists(file)) {
            throw new PkiException(dir + " is not a CA directory (no " + STATE + "); create one with 'codehub pki init'");
        }
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(new String(Pem.readBytes(file, 64 * 1024), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new PkiException("read " + file + ": " + e, e);
        }
        return properties;
    }

    void writeState(Properties properties) {
        StringWriter out = new StringWriter();
        try {
            properties.store(out, "codehub CA state; changed by codehub pki and the hub, do not edit");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        AtomicFiles.write(file(STATE), out.toString().getBytes(StandardCharsets.UTF_8), false);
    }

    /**
     * Identifies one version of a file: atomic writes replace the file, so its inode changes even when
     * the modification time does not (coarse timestamps).
     */
    Object stamp(String name) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file(name), BasicFileAttributes.class);
            return List.of(String.valueOf(attributes.fileKey()), attributes.lastModifiedTime(), attributes.size());
        } catch (NoSuchFileException e) {
            return "absent";
        } catch (IOException e) {
            throw new PkiException("stat " + file(name) + ": " + e, e);
        }
    }

    static boolean sameStamp(Object a, Object b) {
        return Objects.equals(a, b);
    }
}
