package io.codehub.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

import io.codehub.runtime.ImagePullPolicy;
import org.junit.jupiter.api.Test;

class DockerRuntimeConfigTest {

    private static final Path DIR = Path.of("/var/lib/codehub/archives");

    @Test
    void defaults() {
        DockerRuntimeConfig config = DockerRuntimeConfig.builder().archiveDir(DIR).build();
        assertThat(config.dockerHost()).isEqualTo(URI.create("unix:///var/run/docker.sock"));
        assertThat(config.archiveDir()).isEqualTo(DIR);
        assertThat(config.jobImage()).isEqualTo("codehub/busybox:local");
        assertThat(config.jobImagePullPolicy()).isEqualTo(ImagePullPolicy.IF_NOT_PRESENT);
        assertThat(config.publishAddress()).isEqualTo("127.0.0.1");
        assertThat(config.network()).isNull();
        assertThat(config.callTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.jobTimeout()).isEqualTo(Duration.ofHours(1));
        assertThat(config.maxConcurrentCalls()).isEqualTo(16);
        assertThat(config.agentVersion()).isNotBlank();
    }

    @Test
    void everyFieldCanBeSet() {
        DockerRuntimeConfig config = DockerRuntimeConfig.builder().archiveDir(DIR)
                .dockerHost(URI.create("tcp://127.0.0.1:2375")).jobImage("busybox:1.36")
                .jobImagePullPolicy(ImagePullPolicy.NEVER).publishAddress("0.0.0.0")
                .callTimeout(Duration.ofSeconds(5)).jobTimeout(Duration.ofMinutes(5)).maxConcurrentCalls(4)
                .agentVersion("1.2.3").build();
        assertThat(config.dockerHost().getPort()).isEqualTo(2375);
        assertThat(config.jobImagePullPolicy()).isEqualTo(ImagePullPolicy.NEVER);
        assertThat(config.maxConcurrentCalls()).isEqualTo(4);
        assertThat(config.agentVersion()).isEqualTo("1.2.3");
    }

    @Test
    void archiveDirMustBeGivenAndAbsolute() {
        assertThatThrownBy(() -> DockerRuntimeConfig.builder().build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("archiveDir: missing (expected: an absolute path)");
        assertThatThrownBy(() -> DockerRuntimeConfig.builder().archiveDir(Path.of("x")).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("archiveDir: relative path 'x' (expected: absolute)");
    }

    @Test
    void dockerHostMustBeUnixOrTcp() {
        assertThatThrownBy(() -> DockerRuntimeConfig.builder().archiveDir(DIR)
                .dockerHost(URI.create("http://localhost:2375")).build())
                .hasMessageStartingWith("dockerHost: 'http://localhost:2375' (expected: unix:///");
        assertThatThrownBy(() -> DockerRuntimeConfig.builder().archiveDir(DIR)
                .dockerHost(URI.create("tcp://localhost")).build())
                .hasMessageStartingWith("dockerHost: 'tcp://localhost'");
    }

    @Test
    void publishAddressMustBeAnIpLiteral() {
        assertThat(DockerRuntimeConfig.builder().archiveDir(DIR).publishAddress("::1").build().upstreamHost())
                .isEqualTo("::1");
        assertThat(DockerRuntimeConfig.builder().archiveDir(DIR).publishAddress("0.0.0.0").build().upstreamHost())
                .isEqualTo("127.0.0.1");
        assertThatThrownBy(() -> DockerRuntimeConfig.builder().archiveDir(DIR).publishAddress("localhost").build())
                .hasMessage("publishAddress: 'localhost' (expected: an IP address literal such as 127.0.0.1 or 0.0.0.0)");
        assertThatThrownBy(() -> DockerRuntimeConfig.builder().archiveDir(DIR).publishAddress("256.0.0.1").build())
                .hasMessageStartingWith("publishAddress: '256.0.0.1'");
    }

    @Test
    void networkIsANameOfABridgeOrUserDefinedNetwork() {
        assertThat(DockerRuntimeConfig.builder().archiveDir(DIR).network(" codehub_workspaces-1.a ").build().network())
                .isEqualTo("codehub_workspaces-1.a");
        assertThat(DockerRuntimeConfig.builder().archiveDir(DIR).network(" ").build().network()).isNull();
        assertThatThrownBy(() -> DockerRuntimeConfig.builder().archiveDir(DIR).network("a b").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("network: 'a b' (expected: the name of an existing Docker network: letters, digits, '_', '.', '-')");
        assertThatThrownBy(() -> DockerRuntimeConfig.builder().archiveDir(DIR).network("container:x").build())
                .hasMessageStartingWith("network: 'container:x' (expected: the name");
        for (String mode : new String[] {"host", "none", "default"}) {
            assertThatThrownBy(() -> DockerRuntimeConfig.builder().archiveDir(DIR).network(mode).build())
                    .hasMessage("network: '" + mode + "' (expected: a bridge or user-defined network by name, not the "
                            + "network mode host, none or default)");
        }
    }

    @Test
    void limitsMustBePositive() {
        assertThatThrownBy(() -> DockerRuntimeConfig.builder().archiveDir(DIR).callTimeout(Duration.ZERO).build())
                .hasMessage("callTimeout: PT0S (expected: > 0)");
        assertThatThrownBy(() -> DockerRuntimeConfig.builder().archiveDir(DIR).jobTimeout(Duration.ofSeconds(-1)).build())
                .hasMessage("jobTimeout: PT-1S (expected: > 0)");
        assertThatThrownBy(() -> DockerRuntimeConfig.builder().archiveDir(DIR).maxConcurrentCalls(0).build())
                .hasMessage("maxConcurrentCalls: 0 (expected: 1..1024)");
    }

    @Test
    void jobImageAndAgentVersionMustNotBeBlank() {
        assertThatThrownBy(() -> DockerRuntimeConfig.builder().archiveDir(DIR).jobImage(" ").build())
                .hasMessageStartingWith("jobImage: ' '");
        assertThatThrownBy(() -> DockerRuntimeConfig.builder().archiveDir(DIR).agentVersion("").build())
                .hasMessage("agentVersion: '' (expected: not blank)");
    }
}
