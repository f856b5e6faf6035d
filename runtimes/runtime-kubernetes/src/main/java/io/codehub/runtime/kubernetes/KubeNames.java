package io.codehub.runtime.kubernetes;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

import io.codehub.runtime.ArchiveKey;
import io.codehub.runtime.WorkspaceId;
import io.codehub.runtime.support.ManagedNames;
import io.fabric8.kubernetes.api.model.HasMetadata;
import org.jspecify.annotations.Nullable;

/**
 * The names and labels of what only this runtime creates in its namespace (archive records, Job
 * kinds, the workspace container), and the label checks on fabric8 objects; the names and labels
 * every runtime uses are {@link ManagedNames}. An object that merely has one of our names, without
 * {@code io.codehub.managed=true}, is foreign and is never listed, changed or deleted.
 */
final class KubeNames {

    /** {@code archive} or {@code restore}, on Jobs and their pods. */
    static final String JOB_KIND = "io.codehub.job-kind";
    /** The archive key an archive record or a Job is about (an annotation: keys may hold upper case). */
    static final String ARCHIVE_KEY = "io.codehub.archive-key";
    /** The workspace container's name inside an instance pod. */
    static final String CONTAINER = "workspace";
    /** The name of the workspace container's main port; its additional ports are {@code port-<number>}. */
    static final String MAIN_PORT = "http";

    private static final String ARCHIVE_PREFIX = "codehub-archive-";

    private KubeNames() {
    }

    /** The name of an additional container port: {@code port-<number>} (at most 10 of the 15 characters allowed). */
    static String additionalPort(int port) {
        return "port-" + port;
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

    /** Whether an object was created by codehub. */
    static boolean isManaged(@Nullable HasMetadata object) {
        return object != null && object.getMetadata() != null && ManagedNames.isManaged(object.getMetadata().getLabels());
    }

    /** Whether the object is being deleted (it has a deletion timestamp). */
    static boolean isTerminating(HasMetadata object) {
        return object.getMetadata() != null && object.getMetadata().getDeletionTimestamp() != null;
    }

    /** The workspace named by a managed object's labels, or {@code null} when absent or not a valid id. */
    static @Nullable WorkspaceId workspaceOf(HasMetadata object) {
        return ManagedNames.workspaceOf(object.getMetadata() == null ? null : object.getMetadata().getLabels());
    }

    /** The value of a label, or {@code null}. */
    static @Nullable String label(HasMetadata object, String name) {
        Map<String, String> labels = object.getMetadata() == null ? null : object.getMetadata().getLabels();
        return labels == null ? null : labels.get(name);
    }
}
