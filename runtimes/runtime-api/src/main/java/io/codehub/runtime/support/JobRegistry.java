package io.codehub.runtime.support;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

import io.codehub.base.Checks;
import io.codehub.runtime.ConflictException;
import io.codehub.runtime.JobStatus;
import io.codehub.runtime.NotFoundException;
import io.codehub.runtime.ProblemType;
import io.codehub.runtime.WorkspaceId;
import org.jspecify.annotations.Nullable;

/**
 * The jobs a runtime knows, in memory: at most one active (pending or running) job per
 * workspace, and at most {@code maxFinished} finished ones, the oldest finished evicted first.
 * Active jobs are never evicted. Jobs do not survive a restart of the agent (a backend that runs
 * jobs as cluster objects gives them a TTL, so a forgotten one is removed by the backend).
 *
 * <p>For {@code Runtime} implementations; thread-safe.
 */
public final class JobRegistry {

    /** How many finished jobs a runtime remembers by default. */
    public static final int DEFAULT_MAX_FINISHED = 1000;

    private final int maxFinished;
    private final Map<String, JobStatus> jobs = new HashMap<>();
    private final Map<WorkspaceId, String> active = new HashMap<>();
    private final ArrayDeque<String> finished = new ArrayDeque<>();

    public JobRegistry(int maxFinished) {
        this.maxFinished = Checks.positive("maxFinished", maxFinished);
    }

    /** Records a new, active job; refused while another job works on the same workspace. */
    public synchronized void register(JobStatus job) {
        if (job.state().isTerminal()) {
            throw new IllegalArgumentException("job " + job.jobId() + ": " + job.state() + " (expected: active)");
        }
        JobStatus running = active(job.workspaceId());
        if (running != null) {
            throw new ConflictException(ProblemType.JOB_IN_PROGRESS, "workspace " + job.workspaceId() + " already has "
                    + running.kind().wire() + " job " + running.jobId() + " in progress");
        }
        JobStatus named = jobs.get(job.jobId());
        if (named != null) {
            throw new ConflictException(ProblemType.JOB_ID_IN_USE, "job id " + job.jobId() + " already names the "
                    + named.kind().wire() + " job of workspace " + named.workspaceId());
        }
        jobs.put(job.jobId(), job);
        active.put(job.workspaceId(), job.jobId());
    }

    /** Replaces a job's state; a terminal state frees its workspace for the next job. */
    public synchronized void update(JobStatus job) {
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
    public synchronized @Nullable JobStatus get(String jobId) {
        return jobs.get(jobId);
    }

    /**
     * The job, for {@code Runtime.job(jobId)}.
     *
     * @throws NotFoundException ({@link ProblemType#JOB_NOT_FOUND}) when unknown or evicted
     */
    public JobStatus require(String jobId) {
        JobStatus job = get(jobId);
        if (job == null) {
            throw new NotFoundException(ProblemType.JOB_NOT_FOUND, "job " + (jobId.length() > 80
                    ? jobId.substring(0, 80) + "..." : jobId) + " is not known to this agent");
        }
        return job;
    }

    /** The pending or running job of the workspace, or {@code null}. */
    public synchronized @Nullable JobStatus active(WorkspaceId workspaceId) {
        String jobId = active.get(workspaceId);
        return jobId == null ? null : jobs.get(jobId);
    }

    /** How many jobs are remembered, active and finished. */
    public synchronized int size() {
        return jobs.size();
    }
}
