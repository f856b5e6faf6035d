package io.codehub.runtime.docker;

import java.nio.file.Path;

import io.codehub.runtime.InstanceSpec;
import io.codehub.runtime.Runtime;
import io.codehub.runtime.WorkspaceId;
import io.codehub.runtime.contract.DockerBackedRuntimeContract;
import io.codehub.runtime.contract.RuntimeContract;
import io.codehub.runtime.support.ManagedNames;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Runtime contract kit against {@link DockerRuntime} on the real local dockerd, with the
 * workspaces of every Docker-backed run of the kit ({@link DockerBackedRuntimeContract#busyboxHttpdSpec()}),
 * whose upstreams it connects to on loopback. The side door into a workspace is {@code docker exec}
 * into its running instance.
 */
class DockerRuntimeContractIT extends RuntimeContract {

    @TempDir
    static Path archives;

    static DockerTestSupport docker;
    static DockerRuntime runtime;

    @BeforeAll
    static void start() {
        docker = new DockerTestSupport();
        docker.sweep("ctd-");
        runtime = new DockerRuntime(DockerRuntimeConfig.builder().archiveDir(archives).build());
    }

    /** Removes whatever the kit's own clean-up could not, e.g. after a failed test. */
    @AfterEach
    void removeLeftovers() {
        docker.cleanUp();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            docker.close();
        } finally {
            runtime.close();
        }
    }

    @Override
    protected Runtime runtime() {
        return runtime;
    }

    @Override
    protected InstanceSpec workspaceSpec() {
        return DockerBackedRuntimeContract.busyboxHttpdSpec();
    }

    @Override
    protected boolean upstreamsServeOnLoopback() {
        return true;
    }

    @Override
    protected String workspacePrefix() {
        return "ctd-";
    }

    @Override
    protected void writeFile(WorkspaceId id, String relativePath, String content) throws Exception {
        docker.track(id);
        DockerTestSupport.ExecResult result = docker.exec(ManagedNames.workspace(id), "sh", "-c",
                "mkdir -p \"$(dirname \"$1\")\" && printf '%s' \"$2\" > \"$1\"", "sh",
                InstanceSpec.DEFAULT_MOUNT_PATH + "/" + relativePath, content);
        if (result.exitCode() != 0) {
            throw new IllegalStateException("writing " + relativePath + " in " + id + ": " + result.stderr());
        }
    }

    @Override
    protected String readFile(WorkspaceId id, String relativePath) throws Exception {
        DockerTestSupport.ExecResult result = docker.exec(ManagedNames.workspace(id), "cat",
                InstanceSpec.DEFAULT_MOUNT_PATH + "/" + relativePath);
        if (result.exitCode() != 0) {
            throw new IllegalStateException("reading " + relativePath + " in " + id + ": " + result.stderr());
        }
        return result.stdout();
    }
}
