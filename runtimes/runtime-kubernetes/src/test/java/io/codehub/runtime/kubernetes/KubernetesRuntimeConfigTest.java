package io.codehub.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

class KubernetesRuntimeConfigTest {

    @Test
    void defaults() {
        KubernetesRuntimeConfig config = KubernetesRuntimeConfig.builder().build();
        assertThat(config.kubeconfig()).isNull();
        assertThat(config.namespace()).isNull();
        assertThat(config.storageClass()).isNull();
        assertThat(config.volumeSize()).isEqualTo("10Gi");
        assertThat(config.archiveClaim()).isEqualTo("codehub-archives");
        assertThat(config.jobTimeout()).isEqualTo(Duration.ofHours(1));
        assertThat(config.maxConcurrentCalls()).isEqualTo(16);
    }

    @Test
    void badValuesNameTheFieldAndTheExpectation() {
        assertThatThrownBy(() -> KubernetesRuntimeConfig.builder().namespace("Bad_NS").build())
                .hasMessage("namespace: 'Bad_NS' (expected: a namespace name, [a-z0-9-], at most 63 characters)");
        assertThatThrownBy(() -> KubernetesRuntimeConfig.builder().volumeSize("10 GB").build())
                .hasMessageStartingWith("volumeSize: '10 GB' (expected: a Kubernetes quantity");
        assertThatThrownBy(() -> KubernetesRuntimeConfig.builder().storageClass("fast ssd").build())
                .hasMessageStartingWith("storageClass: 'fast ssd'");
        assertThatThrownBy(() -> KubernetesRuntimeConfig.builder().archiveClaim("").build())
                .hasMessageStartingWith("archiveClaim: ''");
        assertThatThrownBy(() -> KubernetesRuntimeConfig.builder().kubeconfig(Path.of("relative")).build())
                .hasMessage("kubeconfig: relative path 'relative' (expected: absolute)");
        assertThatThrownBy(() -> KubernetesRuntimeConfig.builder().jobTimeout(Duration.ZERO).build())
                .hasMessageStartingWith("jobTimeout: PT0S");
        assertThatThrownBy(() -> KubernetesRuntimeConfig.builder().maxConcurrentCalls(0).build())
                .hasMessage("maxConcurrentCalls: 0 (expected: 1..1024)");
        assertThatThrownBy(() -> KubernetesRuntimeConfig.builder().jobImage("a b").build())
                .hasMessageStartingWith("jobImage: 'a b'");
    }

    @Test
    void anUnreadableKubeconfigIsAnArgumentError() {
        assertThatThrownBy(() -> new KubernetesRuntime(KubernetesRuntimeConfig.builder()
                .kubeconfig(Path.of("/nonexistent/kubeconfig")).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("kubeconfig: cannot use '/nonexistent/kubeconfig'");
    }
}
