package io.codehub.runtime.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import io.codehub.runtime.ArchiveKey;
import io.codehub.runtime.BackendUnavailableException;
import io.codehub.runtime.ConflictException;
import io.codehub.runtime.JobKind;
import io.codehub.runtime.JobState;
import io.codehub.runtime.JobStatus;
import io.codehub.runtime.WorkspaceId;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

class JobLauncherTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final ArchiveKey KEY = ArchiveKey.of("ws1-20260101T000000Z-00000001.tar.gz");

    private final JobRegistry registry = new JobRegistry(10);
    private final JobLauncher launcher = new JobLauncher(registry, Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void acceptedJobRunsAndSucceedsWithItsDigest() {
        JobStatus job = launcher.accept(JobKind.ARCHIVE, WorkspaceId.of("ws1"), KEY);
        assertThat(job.state()).isEqualTo(JobState.PENDING);
        assertThat(job.createdAt()).isEqualTo(NOW);
        assertThatThrownBy(() -> launcher.accept(JobKind.RESTORE, WorkspaceId.of("ws1"), KEY))
                .isInstanceOf(ConflictException.class);

        Sinks.One<ArchiveDigest> work = Sinks.one();
        launcher.launch(job, work.asMono());
        assertThat(registry.require(job.jobId()).state()).isEqualTo(JobState.RUNNING);
        work.tryEmitValue(new ArchiveDigest(3, "a".repeat(64)));

        await().atMost(Duration.ofSeconds(5)).until(() -> registry.require(job.jobId()).state().isTerminal());
        JobStatus done = registry.require(job.jobId());
        assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(done.bytes()).isEqualTo(3L);
        assertThat(done.sha256()).isEqualTo("a".repeat(64));
        assertThat(registry.active(WorkspaceId.of("ws1"))).isNull();
    }

    @Test
    void failedWorkRecordsTheProblemDetail() {
        JobStatus job = launcher.accept(JobKind.RESTORE, WorkspaceId.of("ws2"), KEY);
        launcher.launch(job, Mono.error(new BackendUnavailableException("engine unreachable at x", null)));

        await().atMost(Duration.ofSeconds(5)).until(() -> registry.require(job.jobId()).state().isTerminal());
        assertThat(registry.require(job.jobId()).state()).isEqualTo(JobState.FAILED);
        assertThat(registry.require(job.jobId()).error()).isEqualTo("engine unreachable at x");
        assertThat(JobLauncher.reason(new IllegalStateException("boom"))).isEqualTo("boom");
    }
}
