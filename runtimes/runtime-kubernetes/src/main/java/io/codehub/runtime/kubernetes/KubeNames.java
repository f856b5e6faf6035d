package io.codehub.runtime.kubernetes;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

import io.codehub.runtime.ArchiveKey;
import io.codehub.runtime.WorkspaceId;
import io.fabric8.kubernetes.api.model.HasMetadata;

import org.jspecify.annotations.Nullable;

/**
 * The names and labels of everything this runtime creates in its namespace. The label
 * {@value #MANAGED}{@code =true} is what makes an object ours: a pod, claim or Job that merely
 * has one of our names is foreign and is never listed, changed or deleted.
 */
final class KubeNames {

    /** Marks an object created by codehub. */
    static final String MANAGED = "io.codehub.managed";
    /** The workspace an object belongs to. */
    static final String WORKSPACE = "io.codehub.workspace";
    /** The archive or restore job a Job (and its pod) runs. */
    static final String JOB = "io.codehub.job";
    /** {@code archive} or {@code restore}, on Jobs and their pods. */
    static final String JOB_KIND = "io.codehub.job-kind";
    /** The archive key an archive record or a Job is about (an annotation: keys may hold upper case). */
    static final String ARCHIVE_KEY = "io.codehub.archive-key";
    /** The workspace container's name inside an instance pod. */
    static final String CONTAINER = "workspace";

    private static final String WORKSPACE_PREFIX = "codehub-ws-";
    private static final String JOB_PREFIX = "codehub-job-";
    private static final String ARCHIVE_PREFIX = "codehub-archive-";

    private KubeNames() {
    }

    /** The workspace's instance pod, and also its claim: {@code codehub-ws-<id>}. */
    static String workspace(WorkspaceId id) {
        return WORKSPACE_PREFIX + id.value();
    }

    /** A job's Kubernetes Job: {@code codehub-job-<jobId>}. */
    static String job(String jobId) {
        return JOB_PREFIX + jobId;
    }

    /**
     * The ConfigMap recording an archive: {@code codehub-archive-<first 40 hex of sha256(key)>}.
     * Keys may hold upper case, which object names may not, hence the digest.
     */
    static String archiveRecord(ArchiveKey key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.value().getBytes(StandardCharsets.UTF_8));
            return ARCHIVE_PREFIX + HexFormat.of().formatHex(digest).substring(0, 40);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** The labels every managed object of a workspace carries. */
    static Map<String, String> workspaceLabels(WorkspaceId id) {
        return Map.of(MANAGED, "true", WORKSPACE, id.value());
    }

    /** Whether an object was created by codehub. */
    static boolean isManaged(@Nullable HasMetadata object) {
        return object != null && object.getMetadata() != null && object.getMetadata().getLabels() != null
                && "true".equals(object.getMetadata().getLabels().get(MANAGED));
    }

    /** Whether the object is being deleted (it has a deletion timestamp). */
    static boolean isTerminating(HasMetadata object) {
        return object.getMetadata() != null && object.getMetadata().getDeletionTimestamp() != null;
    }

    /** The workspace named by a managed object's labels, or {@code null} when absent or not a valid id. */
    static @Nullable WorkspaceId workspaceOf(HasMetadata object) {
        Map<String, String> labels = object.getMetadata() == null ? null : object.getMetadata().getLabels();
        String value = labels == null ? null : labels.get(WORKSPACE);
        return value != null && WorkspaceId.isValid(value) ? WorkspaceId.of(value) : null;
    }

    /** The value of a label, or {@code null}. */
    static @Nullable String label(HasMetadata object, String name) {
        Map<String, String> labels = object.getMetadata() == null ? null : object.getMetadata().getLabels();
        return labels == null ? null : labels.get(name);
    }
}
