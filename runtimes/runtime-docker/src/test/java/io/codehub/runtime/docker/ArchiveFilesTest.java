package io.codehub.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import io.codehub.runtime.ArchiveKey;
import io.codehub.runtime.support.ArchiveDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchiveFilesTest {

    @TempDir
    Path dir;

    @Test
    void digestAndSidecarRoundTrip() throws Exception {
        ArchiveFiles files = new ArchiveFiles(dir);
        ArchiveKey key = ArchiveKey.of("ws1-20260101T000000Z-00000001.tar.gz");
        assertThat(files.exists(key)).isFalse();
        Files.writeString(files.archive(key), "abc");
        assertThat(files.exists(key)).isTrue();

        ArchiveDigest digest = files.digest(key);
        assertThat(digest.bytes()).isEqualTo(3);
        assertThat(digest.sha256()).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

        assertThat(files.expectedSha256(key)).isNull();
        files.writeSidecar(key, digest.sha256());
        assertThat(Files.readString(files.sidecar(key), StandardCharsets.UTF_8))
                .isEqualTo(digest.sha256() + "  " + key.value() + "\n");
        assertThat(files.expectedSha256(key)).isEqualTo(digest.sha256());
        try (var listing = Files.list(dir)) {
            assertThat(listing.map(path -> path.getFileName().toString()))
                    .containsExactlyInAnyOrder(key.value(), key.value() + ".sha256");
        }
    }

    @Test
    void aMalformedSidecarOrOneForAnotherKeyIsNoDigest() throws Exception {
        ArchiveFiles files = new ArchiveFiles(dir);
        ArchiveKey key = ArchiveKey.of("ws1-20260101T000000Z-00000001.tar.gz");
        Files.writeString(files.sidecar(key), "not a digest\n");
        assertThat(files.expectedSha256(key)).isNull();
        Files.writeString(files.sidecar(key), "a".repeat(64) + "  other.tar.gz\n");
        assertThat(files.expectedSha256(key)).isNull();
    }

    @Test
    void createsItsDirectory() throws Exception {
        Path nested = dir.resolve("a/b");
        new ArchiveFiles(nested).createDirectory();
        assertThat(nested).isDirectory();
    }
}
