package io.codehub.runtime.contract;

import java.util.List;

import io.codehub.runtime.ImagePullPolicy;
import io.codehub.runtime.InstanceSpec;
import io.codehub.runtime.WorkspaceId;

/**
 * {@link RuntimeContract} for runtimes that end in the local Docker engine, whatever sits in
 * between (the hub's {@code RemoteRuntime}, directly or through the tunnel): workspaces run the
 * local busybox image's {@code httpd}, and the side door into their files is {@code docker exec}.
 */
public abstract class DockerBackedRuntimeContract extends RuntimeContract {

    @Override
    protected InstanceSpec workspaceSpec() {
        return InstanceSpec.of("codehub/busybox:local", List.of("httpd", "-f", "-p", "8080", "-h", "/home/coder"), null,
                8080, null, ImagePullPolicy.NEVER, null, null);
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
