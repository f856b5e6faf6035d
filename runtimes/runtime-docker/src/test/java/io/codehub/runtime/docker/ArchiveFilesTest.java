package io.codehub.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Random;

import io.codehub.runtime.ArchiveKey;
import io.codehub.runtime.WorkspaceId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchiveFilesTest {

    @TempDir
    Path dir;

    @Test
    void keyHasWorkspaceUtcStampAndRandomHex() {
        ArchiveKey key = ArchiveFiles.newKey(WorkspaceId.of("ws-1"), Instant.parse("2026-03-04T05:06:07.890Z"),
                new Random(1));
        assertThat(key.value()).matches("ws-1-20260304T050607Z-[0-9a-f]{8}\\.tar\\.gz");
        ArchiveKey other = ArchiveFiles.newKey(WorkspaceId.of("ws-1"), Instant.parse("2026-03-04T05:06:07Z"),
                new Random(2));
        assertThat(other).isNotEqualTo(key);
    }

    @Test
    void keyOfTheLongestWorkspaceIdIsValid() {
        String longest = "a".repeat(63);
        assertThat(ArchiveFiles.newKey(WorkspaceId.of(longest), Instant.EPOCH, new Random(3)).value())
                .startsWith(longest + "-19700101T000000Z-");
    }

    @Test
    void digestAndSidecarRoundTrip() throws Exception {
        ArchiveFiles files = new ArchiveFiles(dir);
        ArchiveKey key = ArchiveKey.of("ws1-20260101T000000Z-00000001.tar.gz");
        assertThat(files.exists(key)).isFalse();
        Files.writeString(files.archive(key), "abc");
        assertThat(files.exists(key)).isTrue();

        ArchiveFiles.Digest digest = files.digest(key);
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
