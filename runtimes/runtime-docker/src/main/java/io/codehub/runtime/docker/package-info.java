/**
 * The Runtime SPI on one Docker engine, through docker-java.
 *
 * <p>Users see {@link io.codehub.runtime.docker.DockerRuntime} and its
 * {@link io.codehub.runtime.docker.DockerRuntimeConfig}; everything else is package-private. Every
 * docker-java call blocks, so each one runs on the runtime's own bounded scheduler and never on
 * a caller's thread. Only resources labelled {@code io.codehub.managed=true} are ever listed,
 * changed or deleted.
 */
@NullMarked
package io.codehub.runtime.docker;

import org.jspecify.annotations.NullMarked;
