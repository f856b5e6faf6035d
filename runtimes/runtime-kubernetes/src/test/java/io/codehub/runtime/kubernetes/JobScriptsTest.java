package io.codehub.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

import io.codehub.runtime.ArchiveKey;
import io.codehub.runtime.support.ArchiveDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive and restore scripts Job pods run, run here by the local {@code sh} with GNU tar and
 * coreutils on temporary directories: what the fake kubelet does not execute.
 */
class JobScriptsTest {

    static final ArchiveKey KEY = ArchiveKey.of("ws1-20260101T000000Z-0000abcd.tar.gz");

    @TempDir
    Path dir;

    @Test
    void archiveThenRestoreRoundTripsTheFilesWithTheirDigest() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data/notes"));
        Files.writeString(data.resolve("hello.txt"), "hello, archive");
        Files.writeString(dir.resolve("data/top.txt"), "top");
        Path archives = Files.createDirectories(dir.resolve("archives"));
        Path result = dir.resolve("result");

        assertThat(run(JobScripts.archive(KEY, dir.resolve("data").toString(), archives.toString(), result.toString())))
                .isZero();
        ArchiveDigest digest = JobScripts.parseResult(Files.readString(result));
        assertThat(digest).isNotNull();
        byte[] archive = Files.readAllBytes(archives.resolve(KEY.value()));
        assertThat(digest.bytes()).isEqualTo(archive.length);
        assertThat(digest.sha256()).isEqualTo(sha256(archive));
        assertThat(Files.readString(archives.resolve(KEY.value() + ".sha256")))
                .isEqualTo(digest.sha256() + "  " + KEY.value() + "\n");
        try (var files = Files.list(archives)) {
            assertThat(files.map(p -> p.getFileName().toString())).as("no partial file left")
                    .containsExactlyInAnyOrder(KEY.value(), KEY.value() + ".sha256");
        }

        Path target = Files.createDirectories(dir.resolve("target"));
        Files.writeString(target.resolve("stale.txt"), "replaced by the restore");
        Path restoreResult = dir.resolve("restore-result");
        assertThat(run(JobScripts.restore(KEY, digest.sha256(), target.toString(), archives.toString(),
                restoreResult.toString()))).isZero();
        assertThat(Files.readString(target.resolve("notes/hello.txt"))).isEqualTo("hello, archive");
        assertThat(Files.readString(target.resolve("top.txt"))).isEqualTo("top");
        assertThat(target.resolve("stale.txt")).doesNotExist();
        assertThat(JobScripts.parseResult(Files.readString(restoreResult))).isEqualTo(digest);
    }

    @Test
    void aRestoreOfACorruptedArchiveFailsBeforeTouchingTheVolume() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("a.txt"), "a");
        Path archives = Files.createDirectories(dir.resolve("archives"));
        assertThat(run(JobScripts.archive(KEY, data.toString(), archives.toString(), dir.resolve("r").toString()))).isZero();
        String sha256 = JobScripts.parseResult(Files.readString(dir.resolve("r"))).sha256();
        Files.writeString(archives.resolve(KEY.value()), "corrupted", StandardCharsets.UTF_8);

        Path target = Files.createDirectories(dir.resolve("target"));
        Files.writeString(target.resolve("kept.txt"), "untouched");
        assertThat(run(JobScripts.restore(KEY, sha256, target.toString(), archives.toString(),
                dir.resolve("r2").toString()))).isEqualTo(3);
        assertThat(Files.readString(target.resolve("kept.txt"))).isEqualTo("untouched");
        assertThat(run(JobScripts.restore(KEY, "0".repeat(64), target.toString(), archives.toString(),
                dir.resolve("r3").toString()))).as("a sidecar that disagrees with the record").isEqualTo(3);
        assertThat(dir.resolve("r2")).doesNotExist();
    }

    @Test
    void resultLinesAreParsedStrictly() {
        assertThat(JobScripts.parseResult("12 " + "a".repeat(64))).isEqualTo(new ArchiveDigest(12, "a".repeat(64)));
        assertThat(JobScripts.parseResult("tar: error")).isNull();
        assertThat(JobScripts.parseResult("99999999999999999999 " + "a".repeat(64))).isNull();
        assertThat(JobScripts.parseResult(null)).isNull();
    }

    private static int run(String script) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
        process.getOutputStream().close();
        process.getInputStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return process.exitValue();
    }

    private static String sha256(byte[] content) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    }
}
