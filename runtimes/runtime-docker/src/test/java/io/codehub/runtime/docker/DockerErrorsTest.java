package io.codehub.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.util.concurrent.RejectedExecutionException;

import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.InternalServerErrorException;
import com.github.dockerjava.api.exception.NotFoundException;
import io.codehub.runtime.BackendFailureException;
import io.codehub.runtime.BackendUnavailableException;
import io.codehub.runtime.ConflictException;
import io.codehub.runtime.ProblemType;
import io.codehub.runtime.RuntimeProblemException;
import org.junit.jupiter.api.Test;

class DockerErrorsTest {

    private final DockerErrors errors = new DockerErrors("unix:///var/run/docker.sock");

    @Test
    void unreachableEngineNamesTheAddress() {
        RuntimeProblemException problem = errors.translate(
                new RuntimeException(new ConnectException("Connection refused")), "inspect container", "codehub-ws-x");
        assertThat(problem).isInstanceOf(BackendUnavailableException.class);
        assertThat(problem.type()).isEqualTo(ProblemType.BACKEND_UNAVAILABLE);
        assertThat(problem.detail())
                .isEqualTo("Docker engine unreachable at unix:///var/run/docker.sock: Connection refused");
        assertThat(errors.translate(new RejectedExecutionException("full"), "ping", "engine"))
                .isInstanceOf(BackendUnavailableException.class);
        assertThat(errors.translate(new UncheckedIOException(new java.io.IOException()), "ping", "engine").detail())
                .endsWith(": IOException");
    }

    @Test
    void engineErrorsSayWhatWasAttemptedOnWhat() {
        RuntimeProblemException problem = errors.translate(
                new InternalServerErrorException("{\"message\":\"driver \\\"local\\\" failed\"}\n"),
                "create volume", "codehub-ws-x");
        assertThat(problem).isInstanceOf(BackendFailureException.class);
        assertThat(problem.type()).isEqualTo(ProblemType.BACKEND_ERROR);
        assertThat(problem.detail()).isEqualTo("create volume codehub-ws-x: driver \"local\" failed");
        assertThat(errors.translate(new DockerClientException("Could not pull image: denied"), "pull image", "a:1")
                .detail()).isEqualTo("pull image a:1: Could not pull image: denied");
    }

    @Test
    void problemsPassThroughAndBugsAreInternal() {
        ConflictException conflict = new ConflictException(ProblemType.VOLUME_IN_USE, "in use");
        assertThat(errors.translate(conflict, "remove volume", "v")).isSameAs(conflict);
        assertThat(errors.translate(new IllegalStateException("bug"), "x", "y").type()).isEqualTo(ProblemType.INTERNAL);
    }

    @Test
    void classifiesEngineStatus() {
        assertThat(DockerErrors.isNotFound(new NotFoundException("{\"message\":\"No such container: x\"}"))).isTrue();
        assertThat(DockerErrors.engineMessage(new NotFoundException("{\"message\":\"No such container: x\"}")))
                .isEqualTo("No such container: x");
        assertThat(DockerErrors.engineMessage(new NotFoundException("plain text"))).isEqualTo("Status 404: plain text");
    }
}
