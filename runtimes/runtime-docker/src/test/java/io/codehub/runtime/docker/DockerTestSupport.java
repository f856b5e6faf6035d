package io.codehub.runtime.docker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectVolumeResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import io.codehub.runtime.WorkspaceId;
import io.codehub.runtime.support.ManagedNames;

/**
 * A raw docker-java client for integration tests: the side door into containers (exec), foreign
 * resources, and cleanup of every container and volume of the workspaces a test used, whoever
 * created them, including job containers. Constructing it pings the engine, so a test fails
 * (never skips) when dockerd is unreachable.
 */
final class DockerTestSupport implements AutoCloseable {

    static final URI DOCKER_HOST = DockerRuntimeConfig.DEFAULT_DOCKER_HOST;
    static final String IMAGE = DockerRuntimeConfig.DEFAULT_JOB_IMAGE;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** What a command run with {@code docker exec} printed, and its exit code. */
    record ExecResult(long exitCode, String stdout, String stderr) {
    }

    private final DockerClient client;
    private final Set<WorkspaceId> used = ConcurrentHashMap.newKeySet();
    private final Set<String> sweptPrefixes = ConcurrentHashMap.newKeySet();

    DockerTestSupport() {
        this.client = DockerClientImpl.getInstance(
                DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(DOCKER_HOST.toString())
                        .withDockerTlsVerify(false).build(),
                new ApacheDockerHttpClient.Builder().dockerHost(DOCKER_HOST).responseTimeout(TIMEOUT).build());
        client.pingCmd().exec();
        try {
            client.inspectImageCmd(IMAGE).exec();
        } catch (NotFoundException e) {
            throw new IllegalStateException("test image " + IMAGE + " is missing: run deploy/test-images/build", e);
        }
    }

    DockerClient client() {
        return client;
    }

    /** A fresh workspace id {@code <prefix><8 hex>}, cleaned up by {@link #cleanUp()}. */
    WorkspaceId newWorkspace(String prefix) {
        byte[] random = new byte[4];
        ThreadLocalRandom.current().nextBytes(random);
        return track(WorkspaceId.of(prefix + HexFormat.of().formatHex(random)));
    }

    /** Remembers a workspace id for {@link #cleanUp()}. */
    WorkspaceId track(WorkspaceId id) {
        used.add(id);
        return id;
    }

    /**
     * Also cleans up every workspace whose id starts with {@code prefix}, found by label or name;
     * only for prefixes no other test class or module uses.
     */
    void sweep(String prefix) {
        sweptPrefixes.add(prefix);
    }

    /** Runs {@code command} in the running container and returns what it printed. */
    ExecResult exec(String container, String... command) throws InterruptedException, IOException {
        String execId = client.execCreateCmd(container).withCmd(command).withAttachStdout(true).withAttachStderr(true)
                .exec().getId();
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        try (var callback = client.execStartCmd(execId).exec(new ResultCallback.Adapter<Frame>() {
            @Override
            public void onNext(Frame frame) {
                synchronized (stdout) {
                    (frame.getStreamType() == StreamType.STDERR ? stderr : stdout).writeBytes(frame.getPayload());
                }
            }
        })) {
            if (!callback.awaitCompletion(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("exec " + List.of(command) + " in " + container + " timed out");
            }
        }
        Long exitCode = client.inspectExecCmd(execId).exec().getExitCodeLong();
        synchronized (stdout) {
            return new ExecResult(exitCode == null ? -1 : exitCode, stdout.toString(StandardCharsets.UTF_8),
                    stderr.toString(StandardCharsets.UTF_8));
        }
    }

    /** Runs {@code script} with {@code sh -c} in the workspace's instance; fails unless it exits 0. */
    String sh(WorkspaceId id, String script) throws InterruptedException, IOException {
        ExecResult result = exec(ManagedNames.workspace(id), "sh", "-c", script);
        if (result.exitCode() != 0) {
            throw new IllegalStateException("'" + script + "' exited " + result.exitCode() + ": " + result.stderr());
        }
        return result.stdout();
    }

    /** Creates and starts a container with the workspace's managed name but without our labels. */
    String createForeignContainer(WorkspaceId id) {
        track(id);
        String containerId = client.createContainerCmd(IMAGE).withName(ManagedNames.workspace(id))
                .withLabels(Map.of("test", "foreign")).withCmd("sleep", "3600").exec().getId();
        client.startContainerCmd(containerId).exec();
        return containerId;
    }

    /** Creates a volume with the workspace's managed name but without our labels. */
    void createForeignVolume(WorkspaceId id) {
        track(id);
        client.createVolumeCmd().withName(ManagedNames.workspace(id)).withLabels(Map.of("test", "foreign")).exec();
    }

    /** Every container (instance, job or foreign) of the workspace, by label or by name. */
    List<Container> containersOf(WorkspaceId id) {
        String name = "/" + ManagedNames.workspace(id);
        return client.listContainersCmd().withShowAll(true).exec().stream()
                .filter(container -> id.value().equals(labels(container).get(ManagedNames.WORKSPACE))
                        || List.of(container.getNames()).contains(name))
                .toList();
    }

    /** The workspace's volume, managed or not; {@code null} when absent. */
    InspectVolumeResponse volumeOf(WorkspaceId id) {
        try {
            return client.inspectVolumeCmd(ManagedNames.workspace(id)).exec();
        } catch (NotFoundException e) {
            return null;
        }
    }

    /** Removes every container and volume of every workspace used so far; safe to call repeatedly. */
    void cleanUp() {
        for (String prefix : sweptPrefixes) {
            String name = "/" + ManagedNames.workspace(WorkspaceId.of(prefix.replaceAll("-$", "")));
            client.listContainersCmd().withShowAll(true).exec().forEach(container -> {
                String workspace = labels(container).get(ManagedNames.WORKSPACE);
                if (workspace != null && workspace.startsWith(prefix) && WorkspaceId.isValid(workspace)) {
                    track(WorkspaceId.of(workspace));
                }
                for (String containerName : container.getNames()) {
                    String rest = containerName.substring(1).replaceFirst("^codehub-ws-", "");
                    if (containerName.startsWith(name) && WorkspaceId.isValid(rest)) {
                        track(WorkspaceId.of(rest));
                    }
                }
            });
            var volumes = client.listVolumesCmd().exec().getVolumes();
            for (InspectVolumeResponse volume : volumes == null ? List.<InspectVolumeResponse>of() : volumes) {
                String rest = volume.getName().replaceFirst("^codehub-ws-", "");
                if (volume.getName().startsWith("codehub-ws-" + prefix) && WorkspaceId.isValid(rest)) {
                    track(WorkspaceId.of(rest));
                }
            }
        }
        for (WorkspaceId id : List.copyOf(used)) {
            for (Container container : containersOf(id)) {
                try {
                    client.removeContainerCmd(container.getId()).withForce(true).exec();
                } catch (NotFoundException e) {
                    // gone already
                }
            }
            try {
                client.removeVolumeCmd(ManagedNames.workspace(id)).exec();
            } catch (NotFoundException e) {
                // gone already
            }
            used.remove(id);
        }
    }

    private static Map<String, String> labels(Container container) {
        return container.getLabels() == null ? Map.of() : container.getLabels();
    }

    @Override
    public void close() throws IOException {
        try {
            cleanUp();
        } finally {
            client.close();
        }
    }
}
