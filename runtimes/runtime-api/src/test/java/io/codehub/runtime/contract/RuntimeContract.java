package io.codehub.runtime.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import io.codehub.runtime.ArchiveKey;
import io.codehub.runtime.ArchiveRequest;
import io.codehub.runtime.ConflictException;
import io.codehub.runtime.HealthStatus;
import io.codehub.runtime.InstanceSpec;
import io.codehub.runtime.InstanceState;
import io.codehub.runtime.InstanceStatus;
import io.codehub.runtime.InvalidSpecException;
import io.codehub.runtime.JobIds;
import io.codehub.runtime.JobKind;
import io.codehub.runtime.JobState;
import io.codehub.runtime.JobStatus;
import io.codehub.runtime.NotFoundException;
import io.codehub.runtime.ProblemType;
import io.codehub.runtime.RestoreRequest;
import io.codehub.runtime.Runtime;
import io.codehub.runtime.Upstream;
import io.codehub.runtime.VolumeInfo;
import io.codehub.runtime.WorkspaceId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * The behaviour every {@link Runtime} must show, whatever its backend and whatever door it is
 * reached through: Docker against a real dockerd, Kubernetes against the fabric8 mock server, and
 * the hub's {@code RemoteRuntime} over direct HTTP and over the tunnel.
 *
 * <h2>Using it</h2>
 * Extend it, return the runtime under test from {@link #runtime()}, a spec that keeps running from
 * {@link #workspaceSpec()}, and a side door into a workspace's files ({@link #writeFile},
 * {@link #readFile}). Backends without a real scheduler (the Kubernetes mock server) move
 * their objects along in {@link #backendProgress(WorkspaceId)}, which the kit calls while waiting.
 * Backends whose upstreams this process can reach on loopback (the local Docker engine, directly
 * or through an agent) say so in {@link #upstreamsServeOnLoopback()}: the kit then also connects to
 * the upstream of every exposed port. Every workspace the kit creates is deleted after each test
 * through the runtime itself.
 */
public abstract class RuntimeContract {

    /** How long the kit waits for a backend to converge. */
    protected static final Duration CONVERGENCE = Duration.ofSeconds(60);
    private static final Duration CALL = Duration.ofSeconds(60);

    private final List<WorkspaceId> created = new ArrayList<>();

    /** The runtime under test. */
    protected abstract Runtime runtime();

    /**
     * A spec whose instance keeps running, with at least one additional port in {@code ports}; it
     * serves HTTP on {@code port} and on each of {@code ports}.
     */
    protected abstract InstanceSpec workspaceSpec();

    /**
     * Whether the upstreams of the runtime's running instances are loopback addresses that serve
     * the instance's ports to this process (default: no, e.g. a simulated cluster's pod IPs).
     */
    protected boolean upstreamsServeOnLoopback() {
        return false;
    }

    /** Writes {@code content} to {@code relativePath} below the mount path of the running instance. */
    protected abstract void writeFile(WorkspaceId id, String relativePath, String content) throws Exception;

    /** Reads {@code relativePath} below the mount path of the running instance. */
    protected abstract String readFile(WorkspaceId id, String relativePath) throws Exception;

    /** Lets a simulated backend progress (a kubelet's work); real backends do nothing. */
    protected void backendProgress(WorkspaceId id) {
    }

    /** The prefix of the workspace ids the kit creates; implementations clean up leftovers by it. */
    protected String workspacePrefix() {
        return "ct-";
    }

    /** A fresh workspace id, deleted (instance and volume) after the test. */
    protected final WorkspaceId newWorkspace() {
        byte[] random = new byte[4];
        ThreadLocalRandom.current().nextBytes(random);
        WorkspaceId id = WorkspaceId.of(workspacePrefix() + HexFormat.of().formatHex(random));
        created.add(id);
        return id;
    }

    @AfterEach
    void deleteCreatedWorkspaces() {
        for (WorkspaceId id : created) {
            runtime().deleteInstance(id).onErrorResume(e -> Mono.empty()).block(CALL);
            await().atMost(CONVERGENCE).ignoreExceptions()
                    .until(() -> { runtime().deleteVolume(id).block(CALL); return true; });
        }
        created.clear();
    }

    // ---- instances -----------------------------------------------------------------------------

    @Test
    void startCreatesARunningInstanceWithItsVolume() {
        WorkspaceId id = newWorkspace();
        InstanceStatus started = call(runtime().startInstance(id, workspaceSpec()));
        assertThat(started.workspaceId()).isEqualTo(id);
        assertThat(started.state()).isIn(InstanceState.CREATING, InstanceState.RUNNING);
        awaitState(id, InstanceState.RUNNING);
        assertThat(call(runtime().volumeExists(id))).isTrue();
    }

    @Test
    void startIsIdempotent() {
        WorkspaceId id = newWorkspace();
        call(runtime().startInstance(id, workspaceSpec()));
        awaitState(id, InstanceState.RUNNING);
        InstanceStatus again = call(runtime().startInstance(id, workspaceSpec()));
        assertThat(again.state()).isEqualTo(InstanceState.RUNNING);
        assertThat(call(runtime().listInstances(id.value()))).extracting(InstanceStatus::workspaceId).containsExactly(id);
    }

    @Test
    void statusOfAnUnknownWorkspaceIsMissing() {
        WorkspaceId id = newWorkspace();
        InstanceStatus status = call(runtime().instanceStatus(id));
        assertThat(status.state()).isEqualTo(InstanceState.MISSING);
        assertThat(status.port()).isNull();
        assertThat(status.ports()).isEmpty();
    }

    @Test
    void deleteKeepsTheVolumeAndIsIdempotent() throws Exception {
        WorkspaceId id = newWorkspace();
        call(runtime().startInstance(id, workspaceSpec()));
        awaitState(id, InstanceState.RUNNING);
        writeFile(id, "kept.txt", "still here");
        runtime().deleteInstance(id).block(CALL);
        awaitState(id, InstanceState.MISSING);
        runtime().deleteInstance(id).block(CALL);
        assertThat(call(runtime().volumeExists(id))).isTrue();

        call(runtime().startInstance(id, workspaceSpec()));
        awaitState(id, InstanceState.RUNNING);
        assertThat(readFile(id, "kept.txt")).isEqualTo("still here");
    }

    @Test
    void upstreamOfARunningInstance() {
        WorkspaceId id = newWorkspace();
        call(runtime().startInstance(id, workspaceSpec()));
        awaitState(id, InstanceState.RUNNING);
        Upstream upstream = call(runtime().upstream(id));
        assertThat(upstream.host()).isNotBlank();
        assertThat(upstream.port()).isBetween(1, 65535);
        assertThat(call(runtime().upstream(id, workspaceSpec().port()))).as("the main port asked by number")
                .isEqualTo(upstream);
        assertServes(upstream);
    }

    @Test
    void upstreamOfAnAdditionalPort() {
        InstanceSpec spec = workspaceSpec();
        assertThat(spec.ports()).as("workspaceSpec() must expose an additional port").isNotEmpty();
        WorkspaceId id = newWorkspace();
        call(runtime().startInstance(id, spec));
        awaitState(id, InstanceState.RUNNING);
        InstanceStatus status = call(runtime().instanceStatus(id));
        assertThat(status.port()).isEqualTo(spec.port());
        assertThat(status.ports()).containsExactlyElementsOf(spec.ports());
        assertThat(call(runtime().listInstances(id.value()))).singleElement()
                .satisfies(listed -> assertThat(listed.ports()).containsExactlyElementsOf(spec.ports()));

        Upstream main = call(runtime().upstream(id));
        List<Upstream> additional = new ArrayList<>();
        for (int port : spec.ports()) {
            Upstream upstream = call(runtime().upstream(id, port));
            assertThat(upstream.host()).isNotBlank();
            assertThat(upstream).as("upstream of port %d", port).isNotEqualTo(main).isNotIn(additional);
            additional.add(upstream);
        }
        for (Upstream upstream : additional) {
            assertServes(upstream);
        }
    }

    @Test
    void upstreamOfAPortTheInstanceDoesNotExposeIsNotFound() {
        InstanceSpec spec = workspaceSpec();
        WorkspaceId id = newWorkspace();
        call(runtime().startInstance(id, spec));
        awaitState(id, InstanceState.RUNNING);
        int unexposed = spec.port() == 65000 || spec.ports().contains(65000) ? 65001 : 65000;
        assertThatThrownBy(() -> runtime().upstream(id, unexposed).block(CALL))
                .isInstanceOfSatisfying(NotFoundException.class,
                        e -> assertThat(e.type()).isEqualTo(ProblemType.PORT_NOT_EXPOSED))
                .hasMessageContaining(Integer.toString(unexposed))
                .hasMessageContaining(Integer.toString(spec.port()))
                .hasMessageContaining(Integer.toString(spec.ports().get(0)));
        assertProblem(runtime().upstream(id, 0), InvalidSpecException.class, ProblemType.INVALID_SPEC);
    }

    @Test
    void upstreamOfAMissingInstanceIsNotFound() {
        WorkspaceId id = newWorkspace();
        assertProblem(runtime().upstream(id), NotFoundException.class, ProblemType.INSTANCE_NOT_FOUND);
        assertProblem(runtime().upstream(id, workspaceSpec().ports().get(0)), NotFoundException.class,
                ProblemType.INSTANCE_NOT_FOUND);
    }

    @Test
    void listFiltersByPrefix() {
        WorkspaceId first = newWorkspace();
        WorkspaceId second = newWorkspace();
        call(runtime().startInstance(first, workspaceSpec()));
        call(runtime().startInstance(second, workspaceSpec()));
        assertThat(call(runtime().listInstances(workspacePrefix()))).extracting(InstanceStatus::workspaceId)
                .contains(first, second);
        assertThat(call(runtime().listInstances(first.value()))).extracting(InstanceStatus::workspaceId)
                .containsExactly(first);
        assertThat(call(runtime().listInstances("zz-no-such-prefix"))).isEmpty();
    }

    @Test
    void listRejectsAnInvalidPrefix() {
        assertProblem(runtime().listInstances("../etc"), InvalidSpecException.class, ProblemType.INVALID_SPEC);
    }

    // ---- volumes -------------------------------------------------------------------------------

    @Test
    void volumeLifecycle() {
        WorkspaceId id = newWorkspace();
        assertThat(call(runtime().volumeExists(id))).isFalse();
        VolumeInfo volume = call(runtime().createVolume(id));
        assertThat(volume.workspaceId()).isEqualTo(id);
        assertThat(call(runtime().createVolume(id)).name()).isEqualTo(volume.name());
        assertThat(call(runtime().volumeExists(id))).isTrue();
        assertThat(call(runtime().listVolumes())).extracting(VolumeInfo::workspaceId).contains(id);
        runtime().deleteVolume(id).block(CALL);
        assertThat(call(runtime().volumeExists(id))).isFalse();
        runtime().deleteVolume(id).block(CALL);
        assertThat(call(runtime().listVolumes())).extracting(VolumeInfo::workspaceId).doesNotContain(id);
    }

    @Test
    void volumeInUseCannotBeDeleted() {
        WorkspaceId id = newWorkspace();
        call(runtime().startInstance(id, workspaceSpec()));
        awaitState(id, InstanceState.RUNNING);
        assertProblem(runtime().deleteVolume(id), ConflictException.class, ProblemType.VOLUME_IN_USE);
        assertThat(call(runtime().volumeExists(id))).isTrue();
    }

    // ---- jobs ----------------------------------------------------------------------------------

    @Test
    void archiveAndRestoreRoundTrip() throws Exception {
        WorkspaceId id = newWorkspace();
        call(runtime().startInstance(id, workspaceSpec()));
        awaitState(id, InstanceState.RUNNING);
        writeFile(id, "notes/hello.txt", "hello, archive");
        runtime().deleteInstance(id).block(CALL);
        awaitState(id, InstanceState.MISSING);

        JobStatus archive = call(runtime().startArchive(new ArchiveRequest(id)));
        assertThat(archive.kind()).isEqualTo(JobKind.ARCHIVE);
        assertThat(archive.state()).isIn(JobState.PENDING, JobState.RUNNING);
        JobStatus archived = awaitJob(archive.jobId());
        assertThat(archived.state()).as("archive job: %s", archived.error()).isEqualTo(JobState.SUCCEEDED);
        assertThat(archived.bytes()).isPositive();
        assertThat(archived.sha256()).matches("[0-9a-f]{64}");

        runtime().deleteVolume(id).block(CALL);
        assertThat(call(runtime().volumeExists(id))).isFalse();

        JobStatus restore = call(runtime().startRestore(new RestoreRequest(id, archived.archiveKey())));
        assertThat(restore.kind()).isEqualTo(JobKind.RESTORE);
        JobStatus restored = awaitJob(restore.jobId());
        assertThat(restored.state()).as("restore job: %s", restored.error()).isEqualTo(JobState.SUCCEEDED);
        assertThat(restored.sha256()).isEqualTo(archived.sha256());

        call(runtime().startInstance(id, workspaceSpec()));
        awaitState(id, InstanceState.RUNNING);
        assertThat(readFile(id, "notes/hello.txt")).isEqualTo("hello, archive");
    }

    @Test
    void aJobStartedAgainUnderItsIdIsTheSameJob() throws Exception {
        WorkspaceId id = newWorkspace();
        call(runtime().createVolume(id));
        String jobId = JobIds.random();
        JobStatus first = call(runtime().startArchive(new ArchiveRequest(id, jobId)));
        assertThat(first.jobId()).isEqualTo(jobId);
        JobStatus again = call(runtime().startArchive(new ArchiveRequest(id, jobId)));
        assertThat(again.jobId()).isEqualTo(jobId);
        assertThat(again.archiveKey()).as("no second archive").isEqualTo(first.archiveKey());
        JobStatus archived = awaitJob(jobId);
        assertThat(archived.state()).as("archive job: %s", archived.error()).isEqualTo(JobState.SUCCEEDED);
        JobStatus afterwards = call(runtime().startArchive(new ArchiveRequest(id, jobId)));
        assertThat(afterwards.state()).as("asked again once finished").isEqualTo(JobState.SUCCEEDED);
        assertThat(afterwards.archiveKey()).isEqualTo(first.archiveKey());

        assertProblem(runtime().startRestore(new RestoreRequest(id, archived.archiveKey(), jobId)),
                ConflictException.class, ProblemType.JOB_ID_IN_USE);
        assertThatThrownBy(() -> new ArchiveRequest(id, "not-a-uuid")).isInstanceOf(InvalidSpecException.class);
    }

    @Test
    void archiveOfAMissingVolumeIsNotFound() {
        WorkspaceId id = newWorkspace();
        assertProblem(runtime().startArchive(new ArchiveRequest(id)), NotFoundException.class,
                ProblemType.VOLUME_NOT_FOUND);
    }

    @Test
    void restoreOfAnUnknownArchiveIsNotFound() {
        WorkspaceId id = newWorkspace();
        ArchiveKey unknown = ArchiveKey.of(id.value() + "-20000101T000000Z-00000000.tar.gz");
        assertProblem(runtime().startRestore(new RestoreRequest(id, unknown)), NotFoundException.class,
                ProblemType.ARCHIVE_NOT_FOUND);
    }

    @Test
    void unknownJobIsNotFound() {
        assertProblem(runtime().job("no-such-job"), NotFoundException.class, ProblemType.JOB_NOT_FOUND);
    }

    // ---- health --------------------------------------------------------------------------------

    @Test
    void healthIsUp() {
        var health = call(runtime().health());
        assertThat(health.status()).as("health detail: %s", health.detail()).isEqualTo(HealthStatus.UP);
        assertThat(health.runtime()).isNotBlank();
        assertThat(health.version()).isNotBlank();
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** Blocks for a call's result with the kit's timeout. */
    protected static <T> T call(Mono<T> mono) {
        T value = mono.block(CALL);
        assertThat(value).as("a runtime call completed empty").isNotNull();
        return value;
    }

    /**
     * When {@link #upstreamsServeOnLoopback()}: asserts that {@code upstream} is a loopback address
     * that answers an HTTP request (the server may need a moment after the instance runs). Connects
     * to nothing else, ever.
     */
    protected final void assertServes(Upstream upstream) {
        if (!upstreamsServeOnLoopback()) {
            return;
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(upstream.host());
        } catch (UnknownHostException e) {
            throw new AssertionError("upstream host " + upstream.host() + " does not resolve", e);
        }
        assertThat(address.isLoopbackAddress()).as("upstream %s is on loopback", upstream).isTrue();
        String reply = await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> httpHead(new InetSocketAddress(address, upstream.port())), answer -> answer.startsWith("HTTP/1."));
        assertThat(reply).as("upstream %s answers HTTP", upstream).startsWith("HTTP/1.");
    }

    private static String httpHead(InetSocketAddress address) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(address, 2000);
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("GET / HTTP/1.0\r\nHost: upstream\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            byte[] head = socket.getInputStream().readNBytes(8);
            return new String(head, StandardCharsets.US_ASCII);
        }
    }

    /** Waits until the instance reaches {@code state}. */
    protected final void awaitState(WorkspaceId id, InstanceState state) {
        await().atMost(CONVERGENCE).pollInterval(Duration.ofMillis(200)).until(() -> {
            backendProgress(id);
            return call(runtime().instanceStatus(id)).state() == state;
        });
    }

    /** Waits until the job has ended and returns its final state. */
    protected final JobStatus awaitJob(String jobId) {
        return await().atMost(CONVERGENCE).pollInterval(Duration.ofMillis(200))
                .until(() -> call(runtime().job(jobId)), job -> {
                    backendProgress(job.workspaceId());
                    return job.state().isTerminal();
                });
    }

    /** Asserts that {@code call} fails with {@code type} of problem, as an instance of {@code exception}. */
    protected static void assertProblem(Mono<?> call, Class<? extends Exception> exception, ProblemType type) {
        assertThatThrownBy(() -> call.block(CALL))
                .isInstanceOf(exception)
                .satisfies(e -> assertThat(((io.codehub.runtime.RuntimeProblemException) e).type()).isEqualTo(type));
    }
}
