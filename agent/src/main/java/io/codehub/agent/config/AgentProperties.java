package io.codehub.agent.config;

import java.nio.file.Path;
import java.time.Duration;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The agent's configuration, bound from {@code codehub.agent.*} (environment variables
 * {@code CODEHUB_AGENT_*}). The environment variable names are the public interface; they are
 * listed in {@code docs/operations.md}. Validated at start-up by {@link AgentConfiguration}.
 *
 * @param id            the agent id the hub assigned at registration ({@code CODEHUB_AGENT_ID}); tokens
 *                      whose {@code aud} is not this id are refused
 * @param listen        host:port of the direct listener ({@code CODEHUB_AGENT_LISTEN}, default
 *                      {@code 127.0.0.1:8081}); use {@code 0.0.0.0:8081} to serve other hosts, or
 *                      {@code none} (with {@code hubUrl}) to serve the Agent API over the tunnel only
 * @param hubPublicKey  path to the hub's ES256 public key in PEM ({@code CODEHUB_AGENT_HUB_PUBLIC_KEY});
 *                      the hub serves it at {@code GET /api/v1/hub}
 * @param runtime       the backend this agent drives ({@code CODEHUB_AGENT_RUNTIME}): {@code docker}
 *                      (default) or {@code kubernetes}
 * @param archiveDir    absolute directory where the Docker runtime writes and reads archives
 *                      ({@code CODEHUB_AGENT_ARCHIVE_DIR}, default {@code /var/lib/codehub/archives});
 *                      unused by the Kubernetes runtime, whose archives live in a claim
 * @param docker        Docker runtime settings ({@code CODEHUB_AGENT_DOCKER_*})
 * @param auth          token verification settings ({@code CODEHUB_AGENT_AUTH_*})
 * @param maxBodyBytes  largest request body accepted ({@code CODEHUB_AGENT_MAX_BODY_BYTES}, default 65536)
 * @param hubUrl        the hub's tunnel port, {@code tcp://host:port} or {@code tls://host:port}
 *                      ({@code CODEHUB_AGENT_HUB_URL}); when set, the agent dials out and serves the
 *                      Agent API over the tunnel as well; unset, it is reached only directly
 * @param apiKey        the agent's API key {@code chk_<agent id>_<secret>} ({@code CODEHUB_AGENT_API_KEY}),
 *                      required with {@code hubUrl}; its id part must equal {@code id}
 * @param tls           TLS and mTLS settings: the CA to trust, the agent's certificate and its enrolment,
 *                      TLS on the direct listener ({@code CODEHUB_AGENT_TLS_*})
 * @param kubeconfig    kubeconfig file of the cluster the Kubernetes runtime drives
 *                      ({@code CODEHUB_AGENT_KUBECONFIG}); unset, the in-cluster service account
 * @param k8s           Kubernetes runtime settings ({@code CODEHUB_AGENT_K8S_*})
 */
@ConfigurationProperties("codehub.agent")
public record AgentProperties(
        @Nullable String id,
        @Nullable String listen,
        @Nullable Path hubPublicKey,
        @DefaultValue("docker") String runtime,
        @DefaultValue("/var/lib/codehub/archives") Path archiveDir,
        @DefaultValue Docker docker,
        @DefaultValue Auth auth,
        @DefaultValue("65536") int maxBodyBytes,
        @Nullable String hubUrl,
        @Nullable String apiKey,
        @DefaultValue Tls tls,
        @Nullable Path kubeconfig,
        @DefaultValue K8s k8s) {

    /** {@code CODEHUB_AGENT_LISTEN} value that opens no listener reachable from other hosts. */
    public static final String LISTEN_NONE = "none";

    /** Whether {@code CODEHUB_AGENT_HUB_URL} is set, i.e. the agent dials out to a hub. */
    public boolean dialsOut() {
        return hubUrl != null && !hubUrl.isBlank();
    }

    @Override
    public String toString() {
        return "AgentProperties[id=" + id + ", listen=" + listen + ", hubUrl=" + hubUrl + ", apiKey="
                + (apiKey == null ? "unset" : "***") + ", runtime=" + runtime + ", archiveDir=" + archiveDir + "]";
    }

    /**
     * Docker runtime settings.
     *
     * @param host           the Docker engine ({@code CODEHUB_AGENT_DOCKER_HOST}, default the local socket
     *                       {@code unix:///var/run/docker.sock}; {@code tcp://host:port} also works)
     * @param jobImage       image of the archive/restore job containers; it needs {@code sh}, {@code tar},
     *                       {@code find} and {@code gzip} ({@code CODEHUB_AGENT_DOCKER_JOB_IMAGE})
     * @param publishAddress host address instance ports are published on; the upstream the agent reports
     *                       ({@code CODEHUB_AGENT_DOCKER_PUBLISH_ADDRESS}, default {@code 127.0.0.1}); unused
     *                       with {@code network}
     * @param network        an existing Docker network workspace containers join instead of publishing their
     *                       ports; the agent then reports a container's address on it and the container port
     *                       ({@code CODEHUB_AGENT_DOCKER_NETWORK}, default unset)
     * @param callTimeout    timeout of one Docker engine call ({@code CODEHUB_AGENT_DOCKER_CALL_TIMEOUT}, default 30s)
     * @param jobTimeout     longest an archive or restore job may run ({@code CODEHUB_AGENT_DOCKER_JOB_TIMEOUT}, default 1h)
     * @param maxConcurrentCalls  blocking Docker calls in flight at once ({@code CODEHUB_AGENT_DOCKER_MAX_CONCURRENT_CALLS}, default 16)
     */
    public record Docker(
            @DefaultValue("unix:///var/run/docker.sock") String host,
            @DefaultValue("codehub/busybox:local") String jobImage,
            @DefaultValue("127.0.0.1") String publishAddress,
            @Nullable String network,
            @DefaultValue("30s") Duration callTimeout,
            @DefaultValue("1h") Duration jobTimeout,
            @DefaultValue("16") int maxConcurrentCalls) {
    }

    /**
     * Kubernetes runtime settings.
     *
     * @param namespace      the one namespace workspaces live in ({@code CODEHUB_AGENT_K8S_NAMESPACE}); unset, the
     *                       kubeconfig context's namespace, or in a cluster the agent pod's own
     * @param storageClass   storage class of workspace claims ({@code CODEHUB_AGENT_K8S_STORAGE_CLASS}); unset, the
     *                       cluster's default
     * @param volumeSize     requested size of each workspace claim ({@code CODEHUB_AGENT_K8S_VOLUME_SIZE}, default
     *                       {@code 10Gi})
     * @param archiveClaim   the existing claim archives are written to ({@code CODEHUB_AGENT_K8S_ARCHIVE_CLAIM},
     *                       default {@code codehub-archives}, as the Helm chart creates it)
     * @param jobImage       image of archive/restore Job pods; it needs {@code sh}, {@code tar}, {@code gzip},
     *                       {@code find}, {@code sha256sum} ({@code CODEHUB_AGENT_K8S_JOB_IMAGE}, default
     *                       {@code busybox:1.36})
     * @param jobImagePullPolicy  when the kubelet pulls the job image: {@code IfNotPresent}, {@code Always} or
     *                       {@code Never} ({@code CODEHUB_AGENT_K8S_JOB_IMAGE_PULL_POLICY}, default {@code IfNotPresent})
     * @param callTimeout    timeout of one Kubernetes API call ({@code CODEHUB_AGENT_K8S_CALL_TIMEOUT}, default 30s)
     * @param jobTimeout     longest an archive or restore Job may run ({@code CODEHUB_AGENT_K8S_JOB_TIMEOUT}, default 1h)
     * @param maxConcurrentCalls  blocking API calls in flight at once ({@code CODEHUB_AGENT_K8S_MAX_CONCURRENT_CALLS},
     *                       default 16)
     */
    public record K8s(
            @Nullable String namespace,
            @Nullable String storageClass,
            @DefaultValue("10Gi") String volumeSize,
            @DefaultValue("codehub-archives") String archiveClaim,
            @DefaultValue("busybox:1.36") String jobImage,
            @DefaultValue("IfNotPresent") String jobImagePullPolicy,
            @DefaultValue("30s") Duration callTimeout,
            @DefaultValue("1h") Duration jobTimeout,
            @DefaultValue("16") int maxConcurrentCalls) {

        /** The defaults, as bound when no {@code CODEHUB_AGENT_K8S_*} variable is set. */
        public static K8s defaults() {
            return new K8s(null, null, "10Gi", "codehub-archives", "busybox:1.36", "IfNotPresent",
                    Duration.ofSeconds(30), Duration.ofHours(1), 16);
        }
    }

    /**
     * TLS settings: what the agent trusts, the client certificate it presents to the hub (and how it
     * gets and renews it), and TLS on the direct listener. See {@code docs/agent-tls.md}.
     *
     * @param ca            PEM file of the CA certificate(s) to trust ({@code CODEHUB_AGENT_TLS_CA}): for the hub's
     *                      tunnel certificate, for enrolment, and for the hub's client certificate on the direct
     *                      listener; unset, the JDK's default trust store (not allowed with {@code clientAuth=require})
     * @param enroll        whether the agent gets and renews its certificate itself, through the hub's tunnel port
     *                      ({@code CODEHUB_AGENT_TLS_ENROLL}, default false); needs a {@code tls://} hub URL
     * @param dir           directory of the agent's key {@code agent-key.pem} (0600) and certificate chain
     *                      {@code agent-cert.pem} ({@code CODEHUB_AGENT_TLS_DIR}, default {@code /var/lib/codehub/tls});
     *                      when both exist the agent presents them on the tunnel
     * @param renewAt       fraction of the certificate's validity period (notBefore to notAfter) after which the
     *                      agent renews it ({@code CODEHUB_AGENT_TLS_RENEW_AT}, default 0.67: at two thirds)
     * @param serverCert    PEM certificate chain of the direct listener ({@code CODEHUB_AGENT_TLS_SERVER_CERT});
     *                      with {@code serverKey}, the direct listener speaks HTTPS only
     * @param serverKey     PEM private key of the direct listener ({@code CODEHUB_AGENT_TLS_SERVER_KEY})
     * @param clientAuth    {@code none} (default) or {@code require}: the direct listener then serves the Agent API
     *                      only to a client certificate that chains to {@code ca} and carries the hub's identity
     *                      ({@code CODEHUB_AGENT_TLS_CLIENT_AUTH})
     */
    public record Tls(
            @Nullable Path ca,
            @DefaultValue("false") boolean enroll,
            @DefaultValue("/var/lib/codehub/tls") Path dir,
            @DefaultValue("0.67") double renewAt,
            @Nullable Path serverCert,
            @Nullable Path serverKey,
            @DefaultValue("none") String clientAuth) {

        /** The defaults, as bound when no {@code CODEHUB_AGENT_TLS_*} variable is set. */
        public static Tls defaults() {
            return new Tls(null, false, Path.of("/var/lib/codehub/tls"), 0.67, null, null, "none");
        }
    }

    /**
     * Token verification settings.
     *
     * @param clockSkew       tolerated clock difference with the hub ({@code CODEHUB_AGENT_AUTH_CLOCK_SKEW}, default 30s)
     * @param maxTokenBytes   longest bearer token accepted ({@code CODEHUB_AGENT_AUTH_MAX_TOKEN_BYTES}, default 8192)
     * @param cacheSize       verified tokens remembered until they expire ({@code CODEHUB_AGENT_AUTH_CACHE_SIZE}, default 10000)
     */
    public record Auth(
            @DefaultValue("30s") Duration clockSkew,
            @DefaultValue("8192") int maxTokenBytes,
            @DefaultValue("10000") int cacheSize) {
    }
}
