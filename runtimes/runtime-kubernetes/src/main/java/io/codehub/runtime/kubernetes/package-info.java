/**
 * The Runtime SPI on one Kubernetes namespace, through the fabric8 kubernetes-client.
 *
 * <p>Users see {@link io.codehub.runtime.kubernetes.KubernetesRuntime} and its
 * {@link io.codehub.runtime.kubernetes.KubernetesRuntimeConfig}; everything else is
 * package-private. fabric8 calls block, so each one runs on the runtime's own bounded scheduler;
 * informers keep a cache of the managed pods, claims and Jobs that reads are served from. Only
 * objects labelled {@code io.codehub.managed=true} are ever listed, changed or deleted.
 */
@NullMarked
package io.codehub.runtime.kubernetes;

import org.jspecify.annotations.NullMarked;
