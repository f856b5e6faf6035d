package io.codehub.runtime.docker;

import static io.codehub.runtime.docker.DockerRuntimeIT.CALL;
import static io.codehub.runtime.docker.DockerRuntimeIT.httpd;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.codehub.runtime.ArchiveRequest;
import io.codehub.runtime.JobState;
import io.codehub.runtime.JobStatus;
import io.codehub.runtime.WorkspaceId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The archive store runs out of space (#16, faults): a 256 KiB tmpfs is the archive directory, on
 * the real dockerd. Whether the archive itself or only its checksum sidecar no longer fits, the job
 * fails with a message naming the full store, and nothing half-written is kept: no partial file,
 * no archive without its sidecar (a restore would refuse it forever). The workspace's volume is
 * untouched, and once there is room again the same workspace archives.
 *
 * <p>Mounting the tmpfs needs root, as the NAT lab does; without it the test fails, never skips.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ArchiveStoreFullIT {

    private static final Duration MOUNT = Duration.ofSeconds(10);

    private static Path store;
    private static DockerTestSupport docker;
    private static DockerRuntime runtime;

    @BeforeAll
    static void mountASmallStore() throws Exception {
        store = Files.createTempDirectory("codehub-archive-full");
        run("mount", "-t", "tmpfs", "-o", "size=256k,mode=0755", "codehub-archive-full", store.toString());
        docker = new DockerTestSupport();
        runtime = new DockerRuntime(DockerRuntimeConfig.builder().archiveDir(store).build());
    }

    @BeforeEach
    void emptyStore() throws IOException {
        clear();
    }

    @AfterEach
    void cleanUp() {
        docker.cleanUp();
    }

    @AfterAll
    static void unmount() throws Exception {
        try {
            if (docker != null) {
                docker.close();
            }
            if (runtime != null) {
                runtime.close();
            }
        } finally {
            run("umount", store.toString());
            Files.deleteIfExists(store);
        }
    }

    @Test
    void anArchiveLargerThanTheFreeSpaceFailsClearlyAndLeavesNothing() throws Exception {
        WorkspaceId id = docker.newWorkspace("full-");
        runtime.startInstance(id, httpd()).block(CALL);
        // 1 MiB that gzip cannot shrink, four times the store.
        docker.sh(id, "head -c 1048576 /dev/urandom > /home/coder/noise && md5sum /home/coder/noise > /home/coder/sum");
        String sum = docker.sh(id, "cat /home/coder/sum");
        runtime.deleteInstance(id).block(CALL);

        JobStatus failed = archive(id);
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.error()).contains("archive store is full").contains(store.toString());
        assertThat(failed.archiveKey()).isNotNull();
        assertThat(listing()).as("nothing half-written is kept").isEmpty();
        assertThat(docker.containersOf(id)).as("the job container is removed").isEmpty();

        // The volume is as it was; with room again (a smaller tree), the same workspace archives.
        runtime.startInstance(id, httpd()).block(CALL);
        assertThat(docker.sh(id, "md5sum -c /home/coder/sum >/dev/null && cat /home/coder/sum")).isEqualTo(sum);
        docker.sh(id, "rm /home/coder/noise && echo small > /home/coder/small.txt");
        runtime.deleteInstance(id).block(CALL);
        JobStatus archived = archive(id);
        assertThat(archived.state()).as("archive: %s", archived.error()).isEqualTo(JobState.SUCCEEDED);
        assertThat(listing()).containsExactlyInAnyOrder(archived.archiveKey().value(), archived.archiveKey() + ".sha256");
    }

    @Test
    void anArchiveThatFitsWithoutRoomForItsSidecarIsRemoved() throws Exception {
        WorkspaceId id = docker.newWorkspace("full-");
        runtime.startInstance(id, httpd()).block(CALL);
        docker.sh(id, "echo small > /home/coder/small.txt");
        runtime.deleteInstance(id).block(CALL);
        // Leave one page: the small archive takes it, its sidecar finds none.
        long page = Files.getFileStore(store).getBlockSize();
        long free = Files.getFileStore(store).getUsableSpace();
        Files.write(store.resolve("filler"), new byte[(int) (free - page)]);
        assertThat(Files.getFileStore(store).getUsableSpace()).isEqualTo(page);

        JobStatus failed = archive(id);
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.error()).contains("archive store is full").contains("sidecar");
        assertThat(listing()).as("the archive without its sidecar is removed").containsExactly("filler");
    }

    private static JobStatus archive(WorkspaceId id) {
        JobStatus started = runtime.startArchive(new ArchiveRequest(id)).block(CALL);
        return await().atMost(CALL).pollInterval(Duration.ofMillis(100))
                .until(() -> runtime.job(started.jobId()).block(CALL), job -> job.state().isTerminal());
    }

    private static List<String> listing() throws IOException {
        try (var files = Files.list(store)) {
            return files.map(path -> path.getFileName().toString()).toList();
        }
    }

    private static void clear() throws IOException {
        try (var files = Files.list(store)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
    }

    private static void run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!process.waitFor(MOUNT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " did not finish in " + MOUNT);
        }
        String output = new String(process.getInputStream().readAllBytes()).strip();
        if (process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + process.exitValue() + "): " + output
                    + (output.contains("permission") || output.contains("must be superuser")
                            ? " (this test mounts a tmpfs and needs root, as the NAT lab does)" : ""));
        }
    }
}
