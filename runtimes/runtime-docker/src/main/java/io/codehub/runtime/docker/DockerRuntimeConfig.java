package io.codehub.runtime.docker;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

import io.codehub.base.Checks;
import io.codehub.runtime.ImagePullPolicy;
import io.codehub.runtime.support.BlockingCalls;
import org.jspecify.annotations.Nullable;

/**
 * How a {@link DockerRuntime} reaches its engine and runs its jobs. Immutable and validated on
 * construction: a bad value fails with an {@link IllegalArgumentException} whose message names the
 * field, the value and what is expected, e.g. {@code "archiveDir: relative path 'x' (expected: absolute)"}.
 * Build one with {@link #builder()}; every field but {@code archiveDir} has a default.
 *
 * @param dockerHost         the engine's address: {@code unix:///var/run/docker.sock} (default) or {@code tcp://host:port}
 * @param archiveDir         the host directory archives are written to and restored from; absolute, created when
 *                           missing. The engine bind-mounts it into job containers, so it must be a path on the
 *                           engine's host (the agent runs beside its engine)
 * @param jobImage           the image of archive and restore job containers; it needs {@code sh}, {@code tar},
 *                           {@code gzip}, {@code find} and {@code mv} (default {@code codehub/busybox:local})
 * @param jobImagePullPolicy when to pull {@code jobImage} (default {@code IfNotPresent})
 * @param publishAddress     the host IP literal instance ports are published on, each on a random host port
 *                           (default {@code 127.0.0.1}; {@code 0.0.0.0} publishes on every interface); unused
 *                           when {@code network} is set
 * @param network            an existing Docker network every instance container joins instead of the engine's
 *                           default bridge, or {@code null} (default): then nothing is published, and upstreams
 *                           are the container's address on that network with the container port, reachable by
 *                           whoever shares the network (the agent, a hub's gateway) instead of through the
 *                           engine's host
 * @param callTimeout        connect and response timeout of one engine call (default 30 s)
 * @param jobTimeout         how long an archive or restore job, or an image pull, may take (default 1 h)
 * @param maxConcurrentCalls how many blocking engine calls may run at once: the size of the bounded scheduler
 *                           (default 16)
 * @param agentVersion       the agent's version, reported by {@code health()} (default {@code dev})
 */
public record DockerRuntimeConfig(URI dockerHost, Path archiveDir, String jobImage, ImagePullPolicy jobImagePullPolicy,
        String publishAddress, @Nullable String network, Duration callTimeout, Duration jobTimeout,
        int maxConcurrentCalls, String agentVersion) {

    /** The default engine address. */
    public static final URI DEFAULT_DOCKER_HOST = URI.create("unix:///var/run/docker.sock");
    /** The default job image, built by {@code deploy/test-images/build}. */
    public static final String DEFAULT_JOB_IMAGE = "codehub/busybox:local";

    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    /** What the engine accepts as a network name (and an id is a name of hex digits). */
    private static final Pattern NETWORK = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    public DockerRuntimeConfig {
        Objects.requireNonNull(dockerHost, "dockerHost");
        String scheme = dockerHost.getScheme();
        boolean unix = "unix".equals(scheme) && dockerHost.getPath() != null && !dockerHost.getPath().isEmpty();
        boolean tcp = "tcp".equals(scheme) && dockerHost.getHost() != null && dockerHost.getPort() > 0;
        if (!unix && !tcp) {
            throw new IllegalArgumentException("dockerHost: '" + dockerHost
                    + "' (expected: unix:///path/to/docker.sock or tcp://host:port)");
        }
        if (archiveDir == null) {
            throw new IllegalArgumentException("archiveDir: missing (expected: an absolute path)");
        }
        if (!archiveDir.isAbsolute()) {
            throw new IllegalArgumentException("archiveDir: relative path '" + archiveDir + "' (expected: absolute)");
        }
        archiveDir = archiveDir.normalize();
        if (jobImage == null || jobImage.isBlank() || jobImage.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("jobImage: '" + jobImage + "' (expected: an image reference such as '"
                    + DEFAULT_JOB_IMAGE + "')");
        }
        Objects.requireNonNull(jobImagePullPolicy, "jobImagePullPolicy");
        if (publishAddress == null || !(IPV4.matcher(publishAddress).matches() || IPV6.matcher(publishAddress).matches())) {
            throw new IllegalArgumentException("publishAddress: '" + publishAddress
                    + "' (expected: an IP address literal such as 127.0.0.1 or 0.0.0.0)");
        }
        if (network != null && network.isBlank()) {
            network = null;
        }
        if (network != null) {
            network = network.strip();
            if (!NETWORK.matcher(network).matches()) {
                throw new IllegalArgumentException("network: '" + network + "' (expected: the name of an existing "
                        + "Docker network: letters, digits, '_', '.', '-')");
            }
            if (network.equals("host") || network.equals("none") || network.equals("default")) {
                throw new IllegalArgumentException("network: '" + network + "' (expected: a bridge or user-defined "
                        + "network by name, not the network mode host, none or default)");
            }
        }
        Checks.positive("callTimeout", callTimeout);
        Checks.positive("jobTimeout", jobTimeout);
        Checks.inRange("maxConcurrentCalls", maxConcurrentCalls, 1, BlockingCalls.MAX_CONCURRENT_CALLS);
        Checks.notBlank("agentVersion", agentVersion);
    }

    /** A builder with every default set; only {@code archiveDir} must be given. */
    public static Builder builder() {
        return new Builder();
    }

    /** The host that upstreams name: {@code publishAddress}, or loopback when it is the wildcard. */
    String upstreamHost() {
        return publishAddress.equals("0.0.0.0") ? "127.0.0.1" : publishAddress.equals("::") ? "::1" : publishAddress;
    }

    /** Collects the fields of a {@link DockerRuntimeConfig}; {@link #build()} validates them. */
    public static final class Builder {

        private URI dockerHost = DEFAULT_DOCKER_HOST;
        private @Nullable Path archiveDir;
        private String jobImage = DEFAULT_JOB_IMAGE;
        private ImagePullPolicy jobImagePullPolicy = ImagePullPolicy.IF_NOT_PRESENT;
        private String publishAddress = "127.0.0.1";
        private @Nullable String network;
        private Duration callTimeout = Duration.ofSeconds(30);
        private Duration jobTimeout = Duration.ofHours(1);
        private int maxConcurrentCalls = 16;
        private String agentVersion = "dev";

        private Builder() {
        }

        public Builder dockerHost(URI dockerHost) {
            this.dockerHost = dockerHost;
            return this;
        }

        public Builder archiveDir(Path archiveDir) {
            this.archiveDir = archiveDir;
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

        public Builder publishAddress(String publishAddress) {
            this.publishAddress = publishAddress;
            return this;
        }

        /** The network instances join; {@code null} or blank publishes their ports instead (the default). */
        public Builder network(@Nullable String network) {
            this.network = network;
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
        public DockerRuntimeConfig build() {
            return new DockerRuntimeConfig(dockerHost, archiveDir, jobImage, jobImagePullPolicy, publishAddress,
                    network, callTimeout, jobTimeout, maxConcurrentCalls, agentVersion);
        }
    }
}
