package io.codehub.runtime;

import java.util.List;

import reactor.core.publisher.Mono;

/**
 * One container backend (one Docker engine, one Kubernetes namespace, or a remote agent) seen as
 * workspace instances, volumes, archive/restore jobs and health.
 *
 * <h2>Contract</h2>
 * Every method is non-blocking: implementations backed by blocking clients run them on a bounded
 * scheduler. Only resources the runtime created are ever listed, touched or deleted. Mutating
 * calls are idempotent, so a caller may retry any of them after a timeout. Failures are signalled
 * with a {@link RuntimeProblemException} subclass whose {@link ProblemType} is the Agent API's
 * problem type.
 */
public interface Runtime {

    /** Starts the workspace's instance, creating it and its volume when missing; idempotent. */
    Mono<InstanceStatus> startInstance(WorkspaceId workspaceId, InstanceSpec spec);

    /** Deletes the workspace's instance; its volume stays. Idempotent: a missing instance is not an error. */
    Mono<Void> deleteInstance(WorkspaceId workspaceId);

    /** The instance's state; {@link InstanceState#MISSING} when there is none. */
    Mono<InstanceStatus> instanceStatus(WorkspaceId workspaceId);

    /**
     * Where the running instance serves its main port (its spec's {@link InstanceSpec#port() port}),
     * reachable from the agent: the answer of {@link #upstream(WorkspaceId, int)} for that port.
     * {@link NotFoundException} ({@code instance-not-found}) without an instance,
     * {@link ConflictException} ({@code instance-not-running}) when it is not running.
     */
    Mono<Upstream> upstream(WorkspaceId workspaceId);

    /**
     * Where the running instance serves its container port {@code port}, reachable from the agent.
     * {@code port} must be one the instance exposes: its spec's {@link InstanceSpec#port() port} or
     * one of its {@link InstanceSpec#ports() ports} (those its {@link InstanceStatus} lists);
     * any other is a {@link NotFoundException} of type {@link ProblemType#PORT_NOT_EXPOSED} naming the
     * exposed ones, and a number outside 1..65535 an {@link InvalidSpecException}. Otherwise fails
     * as {@link #upstream(WorkspaceId)} does.
     */
    Mono<Upstream> upstream(WorkspaceId workspaceId, int port);

    /** Managed instances whose workspace id starts with {@code prefix} (empty: all). */
    Mono<List<InstanceStatus>> listInstances(String prefix);

    /** Creates the workspace's volume; idempotent. */
    Mono<VolumeInfo> createVolume(WorkspaceId workspaceId);

    /** Deletes the workspace's volume; refused with {@link ConflictException} while an instance uses it. */
    Mono<Void> deleteVolume(WorkspaceId workspaceId);

    /** Whether the workspace's managed volume exists. */
    Mono<Boolean> volumeExists(WorkspaceId workspaceId);

    /** Managed volumes. */
    Mono<List<VolumeInfo>> listVolumes();

    /** Starts archiving the workspace's volume; the returned job is pending or running. */
    Mono<JobStatus> startArchive(ArchiveRequest request);

    /** Starts restoring the workspace's volume from an archive; the returned job is pending or running. */
    Mono<JobStatus> startRestore(RestoreRequest request);

    /** A job's state; {@link NotFoundException} when the runtime does not know it. */
    Mono<JobStatus> job(String jobId);

    /** The runtime's and its backend's health. Never fails: an unhealthy backend is {@code DOWN}. */
    Mono<Health> health();
}
