/**
 * The Runtime SPI: what a Runtime Agent can do with one container backend, and the immutable
 * records that travel as Agent API v1 bodies.
 *
 * <p>Implementations: {@code DockerRuntime}, {@code KubernetesRuntime}, and the hub's
 * {@code RemoteRuntime}, which speaks the Agent API to an agent. The same contract test kit
 * ({@code RuntimeContract} in this module's test-jar) runs against every one of them. Code the
 * local implementations share, which is not part of the SPI, is in {@link io.codehub.runtime.support}.
 */
@NullMarked
package io.codehub.runtime;

import org.jspecify.annotations.NullMarked;
