package io.codehub.runtime.support;

/**
 * What an archive job measured of the archive it wrote or read: its size and the hex SHA-256 of its
 * bytes, which become the job's {@code bytes} and {@code sha256}.
 *
 * @param bytes  the archive's size in bytes
 * @param sha256 the lower-case hex SHA-256 of the archive
 */
public record ArchiveDigest(long bytes, String sha256) {
}
