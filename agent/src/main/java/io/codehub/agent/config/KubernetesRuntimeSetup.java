package io.codehub.agent.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.codehub.agent.AgentApplication;
import io.codehub.runtime.ImagePullPolicy;
import io.codehub.runtime.InvalidSpecException;
import io.codehub.runtime.kubernetes.KubernetesRuntime;
import io.codehub.runtime.kubernetes.KubernetesRuntimeConfig;
import io.codehub.web.ConfigurationException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the Kubernetes runtime from {@link AgentProperties} ({@code CODEHUB_AGENT_RUNTIME=kubernetes}):
 * the cluster of {@code CODEHUB_AGENT_KUBECONFIG}, or the in-cluster service account when it is
 * unset. A bad value stops start-up naming its environment variable.
 */
final class KubernetesRuntimeSetup {

    private static final Logger log = LoggerFactory.getLogger(KubernetesRuntimeSetup.class);
    /** The runtime config's field names (as its messages start) to the variables that set them. */
    private static final Map<String, String> VARIABLES = Map.of(
            "kubeconfig", "CODEHUB_AGENT_KUBECONFIG",
            "namespace", "CODEHUB_AGENT_K8S_NAMESPACE",
            "storageClass", "CODEHUB_AGENT_K8S_STORAGE_CLASS",
            "volumeSize", "CODEHUB_AGENT_K8S_VOLUME_SIZE",
            "archiveClaim", "CODEHUB_AGENT_K8S_ARCHIVE_CLAIM",
            "jobImage", "CODEHUB_AGENT_K8S_JOB_IMAGE",
            "callTimeout", "CODEHUB_AGENT_K8S_CALL_TIMEOUT",
            "jobTimeout", "CODEHUB_AGENT_K8S_JOB_TIMEOUT",
            "maxConcurrentCalls", "CODEHUB_AGENT_K8S_MAX_CONCURRENT_CALLS");

    private KubernetesRuntimeSetup() {
    }

    static KubernetesRuntime create(AgentProperties properties) {
        AgentProperties.K8s k8s = properties.k8s();
        Path kubeconfig = properties.kubeconfig();
        if (kubeconfig != null) {
            kubeconfig = kubeconfig.toAbsolutePath();
            if (!Files.isRegularFile(kubeconfig) || !Files.isReadable(kubeconfig)) {
                throw new ConfigurationException("CODEHUB_AGENT_KUBECONFIG", "cannot read " + kubeconfig,
                        "Point it at a readable kubeconfig file, or unset it to use the in-cluster service account.");
            }
        }
        ImagePullPolicy pullPolicy;
        try {
            pullPolicy = ImagePullPolicy.fromWire(k8s.jobImagePullPolicy());
        } catch (InvalidSpecException e) {
            throw new ConfigurationException("CODEHUB_AGENT_K8S_JOB_IMAGE_PULL_POLICY",
                    "'" + k8s.jobImagePullPolicy() + "' is not a pull policy", "Use IfNotPresent, Always or Never.", e);
        }
        KubernetesRuntimeConfig config;
        try {
            config = KubernetesRuntimeConfig.builder()
                    .kubeconfig(kubeconfig)
                    .namespace(blankToNull(k8s.namespace()))
                    .storageClass(blankToNull(k8s.storageClass()))
                    .volumeSize(k8s.volumeSize())
                    .archiveClaim(k8s.archiveClaim())
                    .jobImage(k8s.jobImage())
                    .jobImagePullPolicy(pullPolicy)
                    .callTimeout(k8s.callTimeout())
                    .jobTimeout(k8s.jobTimeout())
                    .maxConcurrentCalls(k8s.maxConcurrentCalls())
                    .agentVersion(AgentApplication.version())
                    .build();
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(variable(e), e.getMessage(),
                    "Correct the Kubernetes runtime setting named in the message.", e);
        }
        KubernetesRuntime runtime;
        try {
            runtime = new KubernetesRuntime(config);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("CODEHUB_AGENT_KUBECONFIG", e.getMessage(),
                    "Point it at a valid kubeconfig file, or unset it to use the in-cluster service account.", e);
        }
        log.info("agent {} drives Kubernetes namespace {} ({}); archive claim {}", properties.id(), runtime.namespace(),
                kubeconfig == null ? "in-cluster service account" : "kubeconfig " + kubeconfig, config.archiveClaim());
        return runtime;
    }

    private static String variable(IllegalArgumentException e) {
        String message = String.valueOf(e.getMessage());
        int colon = message.indexOf(':');
        return colon < 0 ? "CODEHUB_AGENT_K8S_*" : VARIABLES.getOrDefault(message.substring(0, colon), "CODEHUB_AGENT_K8S_*");
    }

    private static @Nullable String blankToNull(@Nullable String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
