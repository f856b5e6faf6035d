package io.codehub.runtime.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;

import io.codehub.runtime.ArchiveKey;
import io.codehub.runtime.ConflictException;
import io.codehub.runtime.JobKind;
import io.codehub.runtime.JobState;
import io.codehub.runtime.JobStatus;
import io.codehub.runtime.NotFoundException;
import io.codehub.runtime.ProblemType;
import io.codehub.runtime.WorkspaceId;
import org.junit.jupiter.api.Test;

class JobRegistryTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void oneActiveJobPerWorkspace() {
        JobRegistry registry = new JobRegistry(10);
        JobStatus first = pending("j1", "ws1");
        registry.register(first);
        assertThat(registry.active(WorkspaceId.of("ws1"))).isEqualTo(first);

        assertThatThrownBy(() -> registry.register(pending("j2", "ws1")))
                .isInstanceOf(ConflictException.class)
                .satisfies(e -> assertThat(((ConflictException) e).type()).isEqualTo(ProblemType.JOB_IN_PROGRESS))
                .hasMessageContaining("j1");
        registry.register(pending("j3", "ws2"));

        registry.update(first.running());
        assertThat(registry.active(WorkspaceId.of("ws1")).state()).isEqualTo(JobState.RUNNING);
        registry.update(first.running().succeeded(10, "ab", NOW));
        assertThat(registry.active(WorkspaceId.of("ws1"))).isNull();
        assertThat(registry.get("j1").state()).isEqualTo(JobState.SUCCEEDED);

        registry.register(pending("j2", "ws1"));
        assertThat(registry.active(WorkspaceId.of("ws1")).jobId()).isEqualTo("j2");
    }

    @Test
    void keepsAtMostMaxFinishedAndNeverEvictsActiveJobs() {
        JobRegistry registry = new JobRegistry(3);
        JobStatus active = pending("active", "busy");
        registry.register(active);
        for (int i = 0; i < 10; i++) {
            JobStatus job = pending("done-" + i, "ws-" + i);
            registry.register(job);
            registry.update(job.failed("boom", NOW));
        }
        assertThat(registry.size()).isEqualTo(4);
        assertThat(registry.get("active")).isEqualTo(active);
        assertThat(registry.get("done-0")).isNull();
        assertThat(registry.get("done-6")).isNull();
        assertThat(registry.get("done-7")).isNotNull();
        assertThat(registry.get("done-9")).isNotNull();
    }

    @Test
    void finishedJobsCannotChange() {
        JobRegistry registry = new JobRegistry(3);
        JobStatus job = pending("j1", "ws1");
        registry.register(job);
        registry.update(job.failed("boom", NOW));
        assertThatThrownBy(() -> registry.update(job.running())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> registry.register(job.failed("x", NOW))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new JobRegistry(0)).hasMessage("maxFinished: 0 (expected: > 0)");
    }

    @Test
    void requireNamesAnUnknownJob() {
        JobRegistry registry = new JobRegistry(3);
        JobStatus job = pending("j1", "ws1");
        registry.register(job);
        assertThat(registry.require("j1")).isEqualTo(job);
        assertThatThrownBy(() -> registry.require("nope"))
                .isInstanceOf(NotFoundException.class)
                .satisfies(e -> assertThat(((NotFoundException) e).type()).isEqualTo(ProblemType.JOB_NOT_FOUND))
                .hasMessageContaining("job nope is not known to this agent");
        assertThatThrownBy(() -> registry.require("x".repeat(100))).hasMessageContaining("x".repeat(80) + "...");
    }

    private static JobStatus pending(String jobId, String workspace) {
        return new JobStatus(jobId, JobKind.ARCHIVE, JobState.PENDING, WorkspaceId.of(workspace),
                ArchiveKey.of(workspace + "-x.tar.gz"), null, null, null, NOW, null);
    }
}
