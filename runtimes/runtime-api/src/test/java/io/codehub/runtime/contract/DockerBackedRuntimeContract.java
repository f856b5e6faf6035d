package io.codehub.runtime.contract;

import java.util.List;

import io.codehub.runtime.ImagePullPolicy;
import io.codehub.runtime.InstanceSpec;
import io.codehub.runtime.WorkspaceId;

/**
 * {@link RuntimeContract} for runtimes that end in the local Docker engine, whatever sits in
 * between (the hub's {@code RemoteRuntime}, directly or through the tunnel): workspaces run the
 * local busybox image's {@code httpd} on their port {@value #PORT} and on the additional port
 * {@value #EXTRA_PORT}, both published on 127.0.0.1, and the side door into their files is
 * {@code docker exec}.
 */
public abstract class DockerBackedRuntimeContract extends RuntimeContract {

    /** The port workspaces serve on. */
    public static final int PORT = 8080;
    /** The additional port workspaces serve on, as a dev server would. */
    public static final int EXTRA_PORT = 3000;

    /** The spec of the kit's workspaces: httpd on {@link #PORT} and (in the background) on {@link #EXTRA_PORT}. */
    public static InstanceSpec busyboxHttpdSpec() {
        return InstanceSpec.of("codehub/busybox:local", List.of("sh", "-c", "httpd -p " + EXTRA_PORT
                        + " -h /home/coder && exec httpd -f -p " + PORT + " -h /home/coder"), null,
                PORT, List.of(EXTRA_PORT), null, ImagePullPolicy.NEVER, null, null);
    }

    @Override
    protected InstanceSpec workspaceSpec() {
        return busyboxHttpdSpec();
    }

    @Override
    protected boolean upstreamsServeOnLoopback() {
        return true;
    }

    @Override
    protected void writeFile(WorkspaceId id, String relativePath, String content) {
        DockerCli.writeFile(id.value(), relativePath, content);
    }

    @Override
    protected String readFile(WorkspaceId id, String relativePath) {
        return DockerCli.readFile(id.value(), relativePath);
    }
}
