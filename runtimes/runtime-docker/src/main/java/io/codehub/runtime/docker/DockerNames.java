package io.codehub.runtime.docker;

import java.util.Map;

import io.codehub.runtime.WorkspaceId;

import org.jspecify.annotations.Nullable;

/**
 * The names and labels of everything this runtime creates on the engine. The label
 * {@value #MANAGED}{@code =true} is what makes a resource ours: a container or volume that merely
 * has one of our names is foreign and is never listed, changed or deleted.
 */
final class DockerNames {

    /** Marks a container or volume created by codehub. */
    static final String MANAGED = "io.codehub.managed";
    /** The workspace a container or volume belongs to. */
    static final String WORKSPACE = "io.codehub.workspace";
    /** The image an instance was created from. */
    static final String IMAGE = "io.codehub.image";
    /** The container port an instance serves on, published on a random host port. */
    static final String PORT = "io.codehub.port";
    /** The archive or restore job a job container runs. */
    static final String JOB = "io.codehub.job";

    private static final String WORKSPACE_PREFIX = "codehub-ws-";
    private static final String JOB_PREFIX = "codehub-job-";

    private DockerNames() {
    }

    /** The workspace's instance container, and also its volume: {@code codehub-ws-<id>}. */
    static String workspace(WorkspaceId id) {
        return WORKSPACE_PREFIX + id.value();
    }

    /** A job's container: {@code codehub-job-<jobId>}. */
    static String job(String jobId) {
        return JOB_PREFIX + jobId;
    }

    /** The labels every managed resource of a workspace carries. */
    static Map<String, String> workspaceLabels(WorkspaceId id) {
        return Map.of(MANAGED, "true", WORKSPACE, id.value());
    }

    /** Whether a resource with these labels was created by codehub. */
    static boolean isManaged(@Nullable Map<String, String> labels) {
        return labels != null && "true".equals(labels.get(MANAGED));
    }

    /** The workspace named by managed labels, or {@code null} when absent or not a valid id. */
    static @Nullable WorkspaceId workspaceOf(@Nullable Map<String, String> labels) {
        String value = labels == null ? null : labels.get(WORKSPACE);
        return value != null && WorkspaceId.isValid(value) ? WorkspaceId.of(value) : null;
    }
}
