package io.codehub.runtime.docker;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

import io.codehub.runtime.ConflictException;
import io.codehub.runtime.JobStatus;
import io.codehub.runtime.ProblemType;
import io.codehub.runtime.WorkspaceId;

import org.jspecify.annotations.Nullable;

/**
 * The jobs this runtime knows, in memory: at most one active (pending or running) job per
 * workspace, and at most {@code maxFinished} finished ones, the oldest finished evicted first.
 * Active jobs are never evicted. Jobs do not survive a restart of the agent.
 */
final class JobRegistry {

    /** How many finished jobs a runtime remembers by default. */
    static final int DEFAULT_MAX_FINISHED = 1000;

    private final int maxFinished;
    private final Map<String, JobStatus> jobs = new HashMap<>();
    private final Map<WorkspaceId, String> active = new HashMap<>();
    private final ArrayDeque<String> finished = new ArrayDeque<>();

    JobRegistry(int maxFinished) {
        if (maxFinished < 1) {
            throw new IllegalArgumentException("maxFinished: " + maxFinished + " (expected: > 0)");
        }
        this.maxFinished = maxFinished;
    }

    /** Records a new, active job; refused while another job works on the same workspace. */
    synchronized void register(JobStatus job) {
        if (job.state().isTerminal()) {
            throw new IllegalArgumentException("job " + job.jobId() + ": " + job.state() + " (expected: active)");
        }
        JobStatus running = active(job.workspaceId());
        if (running != null) {
            throw new ConflictException(ProblemType.JOB_IN_PROGRESS, "workspace " + job.workspaceId() + " already has "
                    + running.kind().wire() + " job " + running.jobId() + " in progress");
        }
        if (jobs.containsKey(job.jobId())) {
            throw new IllegalArgumentException("job " + job.jobId() + ": already registered");
        }
        jobs.put(job.jobId(), job);
        active.put(job.workspaceId(), job.jobId());
    }

    /** Replaces a job's state; a terminal state frees its workspace for the next job. */
    synchronized void update(JobStatus job) {
        JobStatus previous = jobs.get(job.jobId());
        if (previous == null || previous.state().isTerminal()) {
            throw new IllegalStateException("job " + job.jobId() + ": not active");
        }
        jobs.put(job.jobId(), job);
        if (job.state().isTerminal()) {
            active.remove(job.workspaceId(), job.jobId());
            finished.addLast(job.jobId());
        }
        while (finished.size() > maxFinished) {
            jobs.remove(finished.removeFirst());
        }
    }

    /** The job, or {@code null} when unknown or evicted. */
    synchronized @Nullable JobStatus get(String jobId) {
        return jobs.get(jobId);
    }

    /** The pending or running job of the workspace, or {@code null}. */
    synchronized @Nullable JobStatus active(WorkspaceId workspaceId) {
        String jobId = active.get(workspaceId);
        return jobId == null ? null : jobs.get(jobId);
    }

    /** How many jobs are remembered, active and finished. */
    synchronized int size() {
        return jobs.size();
    }
}
