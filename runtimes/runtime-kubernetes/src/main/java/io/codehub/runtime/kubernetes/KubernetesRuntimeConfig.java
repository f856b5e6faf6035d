package io.codehub.runtime.kubernetes;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

import io.codehub.base.Checks;
import io.codehub.runtime.ImagePullPolicy;
import io.codehub.runtime.support.BlockingCalls;
import org.jspecify.annotations.Nullable;

/**
 * How a {@link KubernetesRuntime} reaches its cluster and what it creates there. Immutable and
 * validated on construction: a bad value fails with an {@link IllegalArgumentException} whose
 * message names the field, the value and what is expected, e.g.
 * {@code "volumeSize: '10 GB' (expected: a Kubernetes quantity such as 10Gi)"}. Build one with
 * {@link #builder()}; every field has a default.
 *
 * @param kubeconfig         a kubeconfig file; {@code null} (default) means the in-cluster service account
 *                           (or, outside a cluster, the client's standard discovery: {@code KUBECONFIG},
 *                           {@code ~/.kube/config})
 * @param namespace          the one namespace every object lives in; {@code null} (default) means the
 *                           namespace of the client configuration (the agent pod's own namespace in-cluster)
 * @param storageClass       storage class of workspace claims; {@code null} (default) means the cluster's default
 * @param volumeSize         requested size of a workspace claim (default {@code 10Gi})
 * @param archiveClaim       the existing claim that holds archives and their {@code .sha256} sidecars
 *                           (default {@code codehub-archives}); the Helm chart creates it
 * @param jobImage           image of archive and restore Job pods; it needs {@code sh}, {@code tar},
 *                           {@code gzip}, {@code find}, {@code sha256sum}, {@code wc} and {@code mv}
 *                           (default {@code busybox:1.36})
 * @param jobImagePullPolicy when the kubelet pulls {@code jobImage} (default {@code IfNotPresent})
 * @param callTimeout        connect and request timeout of one API call, and the longest the runtime waits
 *                           for its informer cache to reflect its own write (default 30 s)
 * @param jobTimeout         how long an archive or restore Job may run: its {@code activeDeadlineSeconds}
 *                           (default 1 h)
 * @param maxConcurrentCalls how many blocking API calls may run at once: the size of the bounded scheduler
 *                           (default 16)
 * @param agentVersion       the agent's version, reported by {@code health()} (default {@code dev})
 */
public record KubernetesRuntimeConfig(@Nullable Path kubeconfig, @Nullable String namespace,
        @Nullable String storageClass, String volumeSize, String archiveClaim, String jobImage,
        ImagePullPolicy jobImagePullPolicy, Duration callTimeout, Duration jobTimeout, int maxConcurrentCalls,
        String agentVersion) {

    /** The default archive store claim, as the Helm chart names it. */
    public static final String DEFAULT_ARCHIVE_CLAIM = "codehub-archives";
    /** The default job image. */
    public static final String DEFAULT_JOB_IMAGE = "busybox:1.36";
    /** The default workspace claim size. */
    public static final String DEFAULT_VOLUME_SIZE = "10Gi";

    /** An RFC 1123 label: namespaces and claim names fit in it. */
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    /** An RFC 1123 subdomain: storage class names. */
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    /** A binary- or decimal-suffixed quantity, without exponent forms. */
    private static final Pattern QUANTITY = Pattern.compile("[1-9][0-9]{0,8}(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?");
    private static final Pattern IMAGE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,511}");
    private static final Duration MAX_JOB_TIMEOUT = Duration.ofDays(7);

    public KubernetesRuntimeConfig {
        if (kubeconfig != null && !kubeconfig.isAbsolute()) {
            throw new IllegalArgumentException("kubeconfig: relative path '" + kubeconfig + "' (expected: absolute)");
        }
        if (namespace != null && !DNS_LABEL.matcher(namespace).matches()) {
            throw new IllegalArgumentException("namespace: '" + shorten(namespace)
                    + "' (expected: a namespace name, [a-z0-9-], at most 63 characters)");
        }
        if (storageClass != null && !DNS_SUBDOMAIN.matcher(storageClass).matches()) {
            throw new IllegalArgumentException("storageClass: '" + shorten(storageClass)
                    + "' (expected: a storage class name such as 'standard', or unset for the cluster default)");
        }
        if (volumeSize == null || !QUANTITY.matcher(volumeSize).matches()) {
            throw new IllegalArgumentException("volumeSize: '" + shorten(volumeSize)
                    + "' (expected: a Kubernetes quantity such as 10Gi or 500Mi)");
        }
        if (archiveClaim == null || !DNS_LABEL.matcher(archiveClaim).matches()) {
            throw new IllegalArgumentException("archiveClaim: '" + shorten(archiveClaim)
                    + "' (expected: the name of an existing PersistentVolumeClaim, [a-z0-9-], at most 63 characters)");
        }
        if (jobImage == null || !IMAGE.matcher(jobImage).matches()) {
            throw new IllegalArgumentException("jobImage: '" + shorten(jobImage) + "' (expected: an image reference such as '"
                    + DEFAULT_JOB_IMAGE + "')");
        }
        Objects.requireNonNull(jobImagePullPolicy, "jobImagePullPolicy");
        Checks.positive("callTimeout", callTimeout, Duration.ofHours(1));
        Checks.positive("jobTimeout", jobTimeout, MAX_JOB_TIMEOUT);
        if (jobTimeout.toSeconds() < 1) {
            throw new IllegalArgumentException("jobTimeout: " + jobTimeout + " (expected: at least 1 s)");
        }
        Checks.inRange("maxConcurrentCalls", maxConcurrentCalls, 1, BlockingCalls.MAX_CONCURRENT_CALLS);
        Checks.notBlank("agentVersion", agentVersion);
    }

    /** A builder with every default set. */
    public static Builder builder() {
        return new Builder();
    }

    private static String shorten(@Nullable String value) {
        return value == null ? "" : value.length() > 80 ? value.substring(0, 80) + "..." : value;
    }

    /** Collects the fields of a {@link KubernetesRuntimeConfig}; {@link #build()} validates them. */
    public static final class Builder {

        private @Nullable Path kubeconfig;
        private @Nullable String namespace;
        private @Nullable String storageClass;
        private String volumeSize = DEFAULT_VOLUME_SIZE;
        private String archiveClaim = DEFAULT_ARCHIVE_CLAIM;
        private String jobImage = DEFAULT_JOB_IMAGE;
        private ImagePullPolicy jobImagePullPolicy = ImagePullPolicy.IF_NOT_PRESENT;
        private Duration callTimeout = Duration.ofSeconds(30);
        private Duration jobTimeout = Duration.ofHours(1);
        private int maxConcurrentCalls = 16;
        private String agentVersion = "dev";

        private Builder() {
        }

        public Builder kubeconfig(@Nullable Path kubeconfig) {
            this.kubeconfig = kubeconfig;
            return this;
        }

        public Builder namespace(@Nullable String namespace) {
            this.namespace = namespace;
            return this;
        }

        public Builder storageClass(@Nullable String storageClass) {
            this.storageClass = storageClass;
            return this;
        }

        public Builder volumeSize(String volumeSize) {
            this.volumeSize = volumeSize;
            return this;
        }

        public Builder archiveClaim(String archiveClaim) {
            this.archiveClaim = archiveClaim;
            return this;
        }

        public Builder jobImage(String jobImage) {
            this.jobImage = jobImage;
            return this;
        }

        public Builder jobImagePullPolicy(ImagePullPolicy jobImagePullPolicy) {
            this.jobImagePullPolicy = jobImagePullPolicy;
            return this;
        }

        public Builder callTimeout(Duration callTimeout) {
            this.callTimeout = callTimeout;
            return this;
        }

        public Builder jobTimeout(Duration jobTimeout) {
            this.jobTimeout = jobTimeout;
            return this;
        }

        public Builder maxConcurrentCalls(int maxConcurrentCalls) {
            this.maxConcurrentCalls = maxConcurrentCalls;
            return this;
        }

        public Builder agentVersion(String agentVersion) {
            this.agentVersion = agentVersion;
            return this;
        }

        /** The validated configuration; {@link IllegalArgumentException} names the first bad field. */
        public KubernetesRuntimeConfig build() {
            return new KubernetesRuntimeConfig(kubeconfig, namespace, storageClass, volumeSize, archiveClaim, jobImage,
                    jobImagePullPolicy, callTimeout, jobTimeout, maxConcurrentCalls, agentVersion);
        }
    }
}
