package io.codehub.runtime.docker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Mount;
import io.codehub.runtime.WorkspaceId;
import io.codehub.runtime.support.JobFailedException;
import io.codehub.runtime.support.JobLauncher;
import io.codehub.runtime.support.ManagedNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Runs one shell script in a short-lived job container of {@code jobImage}, without network,
 * and waits for it to exit without holding a scheduler thread: the container's state is polled.
 * The container is removed on every path: success, failure, timeout and cancellation.
 */
final class JobContainers {

    private static final Logger log = LoggerFactory.getLogger(JobContainers.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final int LOG_TAIL_LINES = 100;
    static final int LOG_TAIL_BYTES = 2048;

    private final DockerCalls calls;
    private final DockerImages images;

    JobContainers(DockerCalls calls, DockerImages images) {
        this.calls = calls;
        this.images = images;
    }

    /**
     * Runs {@code script} with {@code sh -c} in a new container {@code codehub-job-<jobId>}; completes
     * when it exits 0, and fails with {@link JobFailedException} (exit code and log tail) otherwise.
     */
    Mono<Void> run(String jobId, WorkspaceId workspaceId, List<Mount> mounts, String script) {
        DockerRuntimeConfig config = calls.config();
        String name = ManagedNames.job(jobId);
        Map<String, String> labels = new HashMap<>(ManagedNames.workspaceLabels(workspaceId));
        labels.put(ManagedNames.JOB, jobId);
        Mono<String> create = images.ensure(config.jobImage(), config.jobImagePullPolicy())
                .then(calls.call("create job container", name, client -> {
                    String id = client.createContainerCmd(config.jobImage()).withName(name).withLabels(labels)
                            .withEntrypoint("sh", "-c", script)
                            .withHostConfig(HostConfig.newHostConfig().withMounts(mounts).withNetworkMode("none"))
                            .exec().getId();
                    log.debug("created job container {}", name);
                    return id;
                }));
        return Mono.usingWhen(create,
                id -> calls.run("start job container", name, client -> client.startContainerCmd(id).exec())
                        .then(awaitExit(id, name))
                        .timeout(config.jobTimeout(), Mono.error(() -> new JobFailedException(
                                "job container " + name + " timed out after " + config.jobTimeout())))
                        .flatMap(exitCode -> exitCode == 0 ? Mono.<Void>empty()
                                : logTail(id, name).flatMap(tail -> Mono.error(new JobFailedException(
                                        "job container " + name + " failed with exit code " + exitCode
                                                + (tail.isEmpty() ? "" : ": " + tail))))),
                id -> remove(id, name),
                (id, error) -> remove(id, name),
                id -> remove(id, name));
    }

    private Mono<Long> awaitExit(String id, String name) {
        return calls.call("inspect job container", name, client -> client.inspectContainerCmd(id).exec().getState())
                .filter(state -> !Boolean.TRUE.equals(state.getRunning()) && !"created".equals(state.getStatus()))
                .map(JobContainers::exitCode)
                .repeatWhenEmpty(Integer.MAX_VALUE, ticks -> ticks.delayElements(POLL));
    }

    private static long exitCode(InspectContainerResponse.ContainerState state) {
        Long exitCode = state.getExitCodeLong();
        return exitCode == null ? -1 : exitCode;
    }

    /** The last {@value #LOG_TAIL_BYTES} bytes of the container's output, stdout and stderr mixed. */
    private Mono<String> logTail(String id, String name) {
        long timeoutMillis = calls.config().callTimeout().toMillis();
        return calls.call("read logs of job container", name, client -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ResultCallback.Adapter<Frame> callback = new ResultCallback.Adapter<>() {
                @Override
                public void onNext(Frame frame) {
                    synchronized (out) {
                        out.writeBytes(frame.getPayload());
                    }
                }
            };
            try (var logs = client.logContainerCmd(id).withStdOut(true).withStdErr(true).withTail(LOG_TAIL_LINES)
                    .exec(callback)) {
                logs.awaitCompletion(timeoutMillis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                log.debug("closing the log stream of {} failed", name, e);
            }
            synchronized (out) {
                return tail(out.toByteArray());
            }
        }).onErrorResume(error -> Mono.just("(logs unavailable: " + JobLauncher.reason(error) + ")"));
    }

    /** The last {@value #LOG_TAIL_BYTES} bytes of {@code output} as text, trimmed. */
    static String tail(byte[] output) {
        byte[] tail = output.length <= LOG_TAIL_BYTES ? output
                : Arrays.copyOfRange(output, output.length - LOG_TAIL_BYTES, output.length);
        return new String(tail, StandardCharsets.UTF_8).strip();
    }

    private Mono<Void> remove(String id, String name) {
        return calls.run("remove job container", name, client -> {
            try {
                client.removeContainerCmd(id).withForce(true).exec();
                log.debug("removed job container {}", name);
            } catch (NotFoundException e) {
                log.debug("job container {} was already gone", name);
            }
        }).onErrorResume(error -> {
            log.warn("removing job container {} failed: {}", name, JobLauncher.reason(error));
            return Mono.empty();
        });
    }
}
