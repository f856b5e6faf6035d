package io.codehub.runtime.docker;

import io.codehub.runtime.support.ManagedNames;

/**
 * The labels only this runtime puts on what it creates on the engine, beside the names and labels
 * every runtime uses ({@link ManagedNames}: {@code codehub-ws-<id>}, {@code io.codehub.managed=true}
 * and the rest).
 */
final class DockerNames {

    /** The image an instance was created from. */
    static final String IMAGE = "io.codehub.image";
    /** The container port an instance serves on, published on a random host port. */
    static final String PORT = "io.codehub.port";

    private DockerNames() {
    }
}
