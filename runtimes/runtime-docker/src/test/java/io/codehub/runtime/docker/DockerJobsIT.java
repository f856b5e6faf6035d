package io.codehub.runtime.docker;

import static io.codehub.runtime.docker.DockerRuntimeIT.CALL;
import static io.codehub.runtime.docker.DockerRuntimeIT.assertProblem;
import static io.codehub.runtime.docker.DockerRuntimeIT.httpd;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

import io.codehub.runtime.ArchiveKey;
import io.codehub.runtime.ArchiveRequest;
import io.codehub.runtime.ConflictException;
import io.codehub.runtime.JobKind;
import io.codehub.runtime.JobState;
import io.codehub.runtime.JobStatus;
import io.codehub.runtime.NotFoundException;
import io.codehub.runtime.ProblemType;
import io.codehub.runtime.RestoreRequest;
import io.codehub.runtime.WorkspaceId;
import io.codehub.runtime.support.ManagedNames;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Archive and restore jobs of {@link DockerRuntime} against the real local dockerd: the round trip
 * keeps contents, permissions and symlinks; a tampered or corrupt archive fails without touching
 * the volume; jobs and instances exclude each other; job containers never outlive their job.
 */
class DockerJobsIT {

    /** Mode and type of every entry the round trip checks, as {@code stat -c '%a %F'} prints them. */
    private static final String TREE = """
            mkdir -p /home/coder/private /home/coder/notes \
            && chmod 750 /home/coder/private \
            && printf 'secret' > /home/coder/private/key && chmod 600 /home/coder/private/key \
            && printf '#!/bin/sh\\necho ran\\n' > /home/coder/run.sh && chmod 755 /home/coder/run.sh \
            && printf 'hello, archive' > /home/coder/notes/hello.txt \
            && ln -s private/key /home/coder/link""";
    private static final String STAT = "cd /home/coder && stat -c '%n %a %F' private private/key run.sh notes/hello.txt"
            + " && readlink link && cat private/key notes/hello.txt && ./run.sh";

    @TempDir
    static Path archives;

    static DockerTestSupport docker;
    static DockerRuntime runtime;

    @BeforeAll
    static void start() {
        docker = new DockerTestSupport();
        runtime = new DockerRuntime(DockerRuntimeConfig.builder().archiveDir(archives).build());
    }

    @AfterEach
    void cleanUp() {
        docker.cleanUp();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            docker.close();
        } finally {
            runtime.close();
        }
    }

    @Test
    void roundTripKeepsContentsPermissionsAndSymlinks() throws Exception {
        WorkspaceId id = docker.newWorkspace("it-");
        runtime.startInstance(id, httpd()).block(CALL);
        docker.sh(id, TREE);
        String before = docker.sh(id, STAT);
        assertThat(before).contains("private 750 directory", "private/key 600 regular file",
                "run.sh 755 regular file", "private/key\n", "secrethello, archiveran");

        JobStatus archived = archive(id);
        assertThat(archived.bytes()).isEqualTo(Files.size(archives.resolve(archived.archiveKey().value())));
        assertThat(archived.archiveKey().value()).matches(id + "-\\d{8}T\\d{6}Z-[0-9a-f]{8}\\.tar\\.gz");
        assertThat(Files.readString(archives.resolve(archived.archiveKey() + ".sha256")))
                .isEqualTo(archived.sha256() + "  " + archived.archiveKey() + "\n");
        try (var listing = Files.list(archives)) {
            assertThat(listing.map(path -> path.getFileName().toString())).noneMatch(name -> name.endsWith(".partial"));
        }

        // Change the volume, then restore over it: the archive's tree replaces it entirely.
        runtime.startInstance(id, httpd()).block(CALL);
        docker.sh(id, "rm -rf /home/coder/private && echo stale > /home/coder/stale.txt && chmod 777 /home/coder/run.sh");
        runtime.deleteInstance(id).block(CALL);

        JobStatus restored = restore(id, archived.archiveKey());
        assertThat(restored.state()).as("restore: %s", restored.error()).isEqualTo(JobState.SUCCEEDED);
        assertThat(restored.kind()).isEqualTo(JobKind.RESTORE);
        assertThat(restored.sha256()).isEqualTo(archived.sha256());
        assertThat(restored.bytes()).isEqualTo(archived.bytes());
        assertThat(docker.containersOf(id)).as("job containers are removed").isEmpty();

        runtime.startInstance(id, httpd()).block(CALL);
        assertThat(docker.sh(id, STAT)).isEqualTo(before);
        assertThat(docker.exec(ManagedNames.workspace(id), "test", "-e", "/home/coder/stale.txt").exitCode()).isEqualTo(1);
    }

    @Test
    void restoreCreatesAMissingVolumeAndHoldsOffInstanceStarts() throws Exception {
        WorkspaceId id = docker.newWorkspace("it-");
        runtime.startInstance(id, httpd()).block(CALL);
        docker.sh(id, TREE);
        JobStatus archived = archive(id);
        WorkspaceId copy = docker.newWorkspace("it-");

        JobStatus started = runtime.startRestore(new RestoreRequest(copy, archived.archiveKey())).block(CALL);
        assertProblem(runtime.startInstance(copy, httpd()), ConflictException.class, ProblemType.JOB_IN_PROGRESS);
        JobStatus restored = awaitJob(started.jobId());
        assertThat(restored.state()).as("restore: %s", restored.error()).isEqualTo(JobState.SUCCEEDED);
        assertThat(docker.volumeOf(copy).getLabels()).containsEntry("io.codehub.managed", "true");
        runtime.startInstance(copy, httpd()).block(CALL);
        assertThat(docker.sh(copy, "cat /home/coder/notes/hello.txt")).isEqualTo("hello, archive");
    }

    @Test
    void tamperedArchiveFailsAndLeavesTheVolumeUntouched() throws Exception {
        WorkspaceId id = docker.newWorkspace("it-");
        runtime.startInstance(id, httpd()).block(CALL);
        docker.sh(id, "echo original > /home/coder/file.txt");
        JobStatus archived = archive(id);
        runtime.startInstance(id, httpd()).block(CALL);
        docker.sh(id, "echo changed > /home/coder/file.txt");
        runtime.deleteInstance(id).block(CALL);

        Path archive = archives.resolve(archived.archiveKey().value());
        try (FileChannel channel = FileChannel.open(archive, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, 20);
            one.put(0, (byte) (one.get(0) ^ 0xff)).rewind();
            channel.write(one, 20);
        }

        JobStatus restored = restore(id, archived.archiveKey());
        assertThat(restored.state()).isEqualTo(JobState.FAILED);
        assertThat(restored.error()).startsWith("checksum mismatch: expected " + archived.sha256() + ", archive has ")
                .doesNotEndWith(archived.sha256());
        runtime.startInstance(id, httpd()).block(CALL);
        assertThat(docker.sh(id, "cat /home/coder/file.txt")).isEqualTo("changed\n");
    }

    @Test
    void corruptArchiveWithMatchingSidecarFailsWithTheExitCodeAndLog() throws Exception {
        WorkspaceId id = docker.newWorkspace("it-");
        ArchiveKey key = ArchiveKey.of(id + "-20260101T000000Z-0badf00d.tar.gz");
        Files.writeString(archives.resolve(key.value()), "this is not a gzip file");
        new ArchiveFiles(archives).writeSidecar(key, new ArchiveFiles(archives).digest(key).sha256());

        JobStatus restored = restore(id, key);
        assertThat(restored.state()).isEqualTo(JobState.FAILED);
        assertThat(restored.error()).startsWith("job container codehub-job-" + restored.jobId() + " failed with exit code ")
                .contains("tar: ");
        assertThat(docker.containersOf(id)).as("job containers are removed").isEmpty();
    }

    @Test
    void restoreIsRefusedWhileAnInstanceUsesTheVolume() {
        WorkspaceId id = docker.newWorkspace("it-");
        runtime.startInstance(id, httpd()).block(CALL);
        JobStatus archived = archive(id);
        runtime.startInstance(id, httpd()).block(CALL);
        assertProblem(runtime.startRestore(new RestoreRequest(id, archived.archiveKey())), ConflictException.class,
                ProblemType.VOLUME_IN_USE);
        assertThat(docker.containersOf(id)).hasSize(1);
    }

    @Test
    void aRunningJobExcludesOtherJobsAndVolumeDeletion() {
        WorkspaceId id = docker.newWorkspace("it-");
        runtime.createVolume(id).block(CALL);
        JobStatus job = runtime.startArchive(new ArchiveRequest(id)).block(CALL);
        assertThat(job.state()).isEqualTo(JobState.PENDING);
        assertProblem(runtime.startArchive(new ArchiveRequest(id)), ConflictException.class, ProblemType.JOB_IN_PROGRESS);
        assertProblem(runtime.deleteVolume(id), ConflictException.class, ProblemType.JOB_IN_PROGRESS);
        assertThat(awaitJob(job.jobId()).state()).isEqualTo(JobState.SUCCEEDED);
        runtime.deleteVolume(id).block(CALL);
        assertThat(docker.volumeOf(id)).isNull();
    }

    @Test
    void missingThingsAreNotFound() {
        WorkspaceId id = docker.newWorkspace("it-");
        assertProblem(runtime.startArchive(new ArchiveRequest(id)), NotFoundException.class, ProblemType.VOLUME_NOT_FOUND);
        assertProblem(runtime.startRestore(new RestoreRequest(id, ArchiveKey.of(id + "-20000101T000000Z-00000000.tar.gz"))),
                NotFoundException.class, ProblemType.ARCHIVE_NOT_FOUND);
        assertProblem(runtime.job("no-such-job"), NotFoundException.class, ProblemType.JOB_NOT_FOUND);
        assertThat(docker.volumeOf(id)).isNull();
    }

    /** Deletes the instance (when any), archives the volume and returns the succeeded job. */
    private static JobStatus archive(WorkspaceId id) {
        runtime.deleteInstance(id).block(CALL);
        JobStatus started = runtime.startArchive(new ArchiveRequest(id)).block(CALL);
        assertThat(started.kind()).isEqualTo(JobKind.ARCHIVE);
        assertThat(started.state()).isIn(JobState.PENDING, JobState.RUNNING);
        JobStatus done = awaitJob(started.jobId());
        assertThat(done.state()).as("archive: %s", done.error()).isEqualTo(JobState.SUCCEEDED);
        assertThat(done.sha256()).matches("[0-9a-f]{64}");
        assertThat(done.finishedAt()).isNotNull();
        assertThat(docker.containersOf(id)).as("job containers are removed").isEmpty();
        return done;
    }

    private static JobStatus restore(WorkspaceId id, ArchiveKey key) {
        JobStatus started = runtime.startRestore(new RestoreRequest(id, key)).block(CALL);
        assertThat(started.state()).isIn(JobState.PENDING, JobState.RUNNING);
        return awaitJob(started.jobId());
    }

    private static JobStatus awaitJob(String jobId) {
        return await().atMost(CALL).pollInterval(Duration.ofMillis(100))
                .until(() -> runtime.job(jobId).block(CALL), job -> job.state().isTerminal());
    }
}
