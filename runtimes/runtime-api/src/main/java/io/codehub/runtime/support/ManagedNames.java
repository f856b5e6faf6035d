package io.codehub.runtime.support;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

import io.codehub.runtime.ArchiveKey;
import io.codehub.runtime.InvalidSpecException;
import io.codehub.runtime.ProblemType;
import io.codehub.runtime.WorkspaceId;
import org.jspecify.annotations.Nullable;

/**
 * The names and labels codehub gives what it creates on any backend, and the names of the archives
 * it writes. The label {@value #MANAGED}{@code =true} is what makes a resource ours: a resource that
 * merely has one of our names is foreign and is never listed, changed or deleted. Every backend uses
 * the same names, so an operator reads {@code codehub-ws-<id>} on Docker and on Kubernetes alike.
 *
 * <p>For {@code Runtime} implementations; backend-specific labels stay in each runtime.
 */
public final class ManagedNames {

    /** Marks a resource created by codehub. */
    public static final String MANAGED = "io.codehub.managed";
    /** The workspace a resource belongs to. */
    public static final String WORKSPACE = "io.codehub.workspace";
    /** The archive or restore job a resource runs. */
    public static final String JOB = "io.codehub.job";

    private static final String WORKSPACE_PREFIX = "codehub-ws-";
    private static final String JOB_PREFIX = "codehub-job-";
    private static final Pattern WORKSPACE_ID_PREFIX = Pattern.compile("[a-z0-9-]{0,63}");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private ManagedNames() {
    }

    /** The workspace's instance (container or pod), and also its volume: {@code codehub-ws-<id>}. */
    public static String workspace(WorkspaceId id) {
        return WORKSPACE_PREFIX + id.value();
    }

    /** What runs a job (a container, a Kubernetes Job): {@code codehub-job-<jobId>}. */
    public static String job(String jobId) {
        return JOB_PREFIX + jobId;
    }

    /** The labels every managed resource of a workspace carries. */
    public static Map<String, String> workspaceLabels(WorkspaceId id) {
        return Map.of(MANAGED, "true", WORKSPACE, id.value());
    }

    /** Whether a resource with these labels was created by codehub. */
    public static boolean isManaged(@Nullable Map<String, String> labels) {
        return labels != null && "true".equals(labels.get(MANAGED));
    }

    /** The workspace named by managed labels, or {@code null} when absent or not a valid id. */
    public static @Nullable WorkspaceId workspaceOf(@Nullable Map<String, String> labels) {
        String value = labels == null ? null : labels.get(WORKSPACE);
        return value != null && WorkspaceId.isValid(value) ? WorkspaceId.of(value) : null;
    }

    /** A new archive key: {@code <workspaceId>-<yyyyMMdd'T'HHmmss'Z'>-<8 hex>.tar.gz}. */
    public static ArchiveKey newArchiveKey(WorkspaceId id, Instant now, RandomGenerator random) {
        return ArchiveKey.of(id.value() + "-" + STAMP.format(now) + "-" + String.format("%08x", random.nextInt())
                + ".tar.gz");
    }

    /** Whether {@code prefix} can start a workspace id: what {@code listInstances(prefix)} accepts. */
    public static boolean isWorkspacePrefix(@Nullable String prefix) {
        return prefix != null && WORKSPACE_ID_PREFIX.matcher(prefix).matches();
    }

    /** The problem a list call answers when {@link #isWorkspacePrefix(String)} refuses its prefix. */
    public static InvalidSpecException invalidWorkspacePrefix(@Nullable String prefix) {
        return new InvalidSpecException(ProblemType.INVALID_SPEC, "prefix: '"
                + (prefix == null ? "" : prefix.length() > 64 ? prefix.substring(0, 64) + "..." : prefix)
                + "' (expected: [a-z0-9-]{0,63})");
    }
}
