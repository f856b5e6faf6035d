package io.codehub.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.codehub.agent.AgentApplication;
import io.codehub.agent.TestHubKeys;
import io.codehub.runtime.Runtime;
import io.codehub.runtime.kubernetes.KubernetesRuntime;
import io.codehub.runtime.kubernetes.MockCluster;
import io.codehub.web.ConfigurationFailureAnalyzer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * {@code CODEHUB_AGENT_RUNTIME=kubernetes} at start-up with the public environment variable names,
 * and the failure analysis of bad values. No web server; the kubeconfig names a port on 127.0.0.1
 * that nothing serves, and the runtime is created but never called.
 */
class KubernetesRuntimeSetupTest {

    @TempDir
    Path dir;

    @Test
    void bindsTheKubernetesEnvironmentVariables() {
        Map<String, Object> env = validEnvironment();
        env.put("CODEHUB_AGENT_K8S_NAMESPACE", "workspaces");
        env.put("CODEHUB_AGENT_K8S_STORAGE_CLASS", "fast-ssd");
        env.put("CODEHUB_AGENT_K8S_VOLUME_SIZE", "20Gi");
        env.put("CODEHUB_AGENT_K8S_ARCHIVE_CLAIM", "team-archives");
        env.put("CODEHUB_AGENT_K8S_JOB_IMAGE", "registry.local/busybox:1.36");
        env.put("CODEHUB_AGENT_K8S_JOB_IMAGE_PULL_POLICY", "Always");
        env.put("CODEHUB_AGENT_K8S_CALL_TIMEOUT", "5s");
        env.put("CODEHUB_AGENT_K8S_JOB_TIMEOUT", "2h");
        env.put("CODEHUB_AGENT_K8S_MAX_CONCURRENT_CALLS", "8");
        try (ConfigurableApplicationContext context = start(env)) {
            AgentProperties properties = context.getBean(AgentProperties.class);
            assertThat(properties.kubeconfig()).isEqualTo(dir.resolve("kubeconfig"));
            KubernetesRuntime runtime = (KubernetesRuntime) context.getBean(Runtime.class);
            assertThat(runtime.namespace()).isEqualTo("workspaces");
            var config = runtime.config();
            assertThat(config.storageClass()).isEqualTo("fast-ssd");
            assertThat(config.volumeSize()).isEqualTo("20Gi");
            assertThat(config.archiveClaim()).isEqualTo("team-archives");
            assertThat(config.jobImage()).isEqualTo("registry.local/busybox:1.36");
            assertThat(config.jobImagePullPolicy().wire()).isEqualTo("Always");
            assertThat(config.callTimeout()).isEqualTo(Duration.ofSeconds(5));
            assertThat(config.jobTimeout()).isEqualTo(Duration.ofHours(2));
            assertThat(config.maxConcurrentCalls()).isEqualTo(8);
        }
    }

    @Test
    void theNamespaceDefaultsToTheKubeconfigContexts() {
        try (ConfigurableApplicationContext context = start(validEnvironment())) {
            assertThat(((KubernetesRuntime) context.getBean(Runtime.class)).namespace()).isEqualTo(MockCluster.NAMESPACE);
        }
    }

    @Test
    void badValuesNameTheirVariable() {
        Map<String, Object> env = validEnvironment();
        env.put("CODEHUB_AGENT_K8S_VOLUME_SIZE", "lots");
        assertAnalysis(env, "CODEHUB_AGENT_K8S_VOLUME_SIZE: volumeSize: 'lots'", "Kubernetes runtime setting");
        env = validEnvironment();
        env.put("CODEHUB_AGENT_K8S_NAMESPACE", "Not_A_Namespace");
        assertAnalysis(env, "CODEHUB_AGENT_K8S_NAMESPACE: namespace: 'Not_A_Namespace'", "Kubernetes runtime setting");
        env = validEnvironment();
        env.put("CODEHUB_AGENT_K8S_JOB_IMAGE_PULL_POLICY", "Sometimes");
        assertAnalysis(env, "CODEHUB_AGENT_K8S_JOB_IMAGE_PULL_POLICY: 'Sometimes' is not a pull policy", "IfNotPresent");
        env = validEnvironment();
        env.put("CODEHUB_AGENT_KUBECONFIG", dir.resolve("absent").toString());
        assertAnalysis(env, "CODEHUB_AGENT_KUBECONFIG: cannot read", "in-cluster service account");
        env = validEnvironment();
        env.put("CODEHUB_AGENT_RUNTIME", "nomad");
        assertAnalysis(env, "CODEHUB_AGENT_RUNTIME: 'nomad' is not supported", "CODEHUB_AGENT_RUNTIME=kubernetes");
    }

    private void assertAnalysis(Map<String, Object> env, String description, String action) {
        assertThatThrownBy(() -> start(env).close()).satisfies(failure -> {
            FailureAnalysis analysis = new ConfigurationFailureAnalyzer().analyze(failure);
            assertThat(analysis).as("analysis of %s", failure).isNotNull();
            assertThat(analysis.getDescription()).contains(description);
            assertThat(analysis.getAction()).contains(action);
        });
    }

    private Map<String, Object> validEnvironment() {
        Map<String, Object> env = new HashMap<>();
        env.put("CODEHUB_AGENT_ID", "agent-k8s");
        env.put("CODEHUB_AGENT_HUB_PUBLIC_KEY", TestHubKeys.generate().writePublicKey(dir).toString());
        env.put("CODEHUB_AGENT_RUNTIME", "kubernetes");
        env.put("CODEHUB_AGENT_KUBECONFIG", writeKubeconfig().toString());
        return env;
    }

    private Path writeKubeconfig() {
        try {
            return java.nio.file.Files.writeString(dir.resolve("kubeconfig"), """
                    apiVersion: v1
                    kind: Config
                    clusters: [{name: c, cluster: {server: "http://127.0.0.1:1"}}]
                    users: [{name: u, user: {token: t}}]
                    contexts: [{name: c, context: {cluster: c, user: u, namespace: %s}}]
                    current-context: c
                    """.formatted(MockCluster.NAMESPACE));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static ConfigurableApplicationContext start(Map<String, Object> variables) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
        environment.getPropertySources().addLast(
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
        return new SpringApplicationBuilder(AgentApplication.class).environment(environment)
                .web(WebApplicationType.NONE).run();
    }
}
