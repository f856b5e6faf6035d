package io.codehub.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** The small pure parts of images and job containers. */
class JobPartsTest {

    @Test
    void splitsImageReferences() {
        assertThat(DockerImages.splitReference("busybox")).containsExactly("busybox", "latest");
        assertThat(DockerImages.splitReference("codehub/busybox:local")).containsExactly("codehub/busybox", "local");
        assertThat(DockerImages.splitReference("127.0.0.1:1/codehub/absent:1"))
                .containsExactly("127.0.0.1:1/codehub/absent", "1");
        assertThat(DockerImages.splitReference("127.0.0.1:5000/app")).containsExactly("127.0.0.1:5000/app", "latest");
        assertThat(DockerImages.splitReference("app@sha256:abc")).containsExactly("app", "sha256:abc");
    }

    @Test
    void logTailKeepsTheLastTwoKilobytes() {
        assertThat(JobContainers.tail(" short\n".getBytes(StandardCharsets.UTF_8))).isEqualTo("short");
        String log = "x".repeat(5000) + "the end";
        String tail = JobContainers.tail(log.getBytes(StandardCharsets.UTF_8));
        assertThat(tail).hasSize(JobContainers.LOG_TAIL_BYTES).endsWith("the end");
    }
}
