package io.codehub.runtime.kubernetes;

import io.codehub.runtime.RuntimeProblemException;
import io.codehub.runtime.support.BlockingCalls;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The one way this runtime talks to the API server: fabric8 calls on the bounded scheduler of
 * {@link BlockingCalls}, failing with SPI problem exceptions made by {@link KubeErrors}, never a
 * raw fabric8 one. It also holds the namespace every call is confined to.
 */
final class KubeCalls extends BlockingCalls<KubernetesClient> {

    private final String namespace;
    private final KubernetesRuntimeConfig config;
    private final KubeErrors errors;

    KubeCalls(KubernetesClient client, String namespace, KubernetesRuntimeConfig config) {
        super(client, "codehub-kube", config.maxConcurrentCalls());
        this.namespace = namespace;
        this.config = config;
        this.errors = new KubeErrors(client.getMasterUrl() + " (namespace " + namespace + ")");
    }

    String namespace() {
        return namespace;
    }

    KubernetesRuntimeConfig config() {
        return config;
    }

    @Override
    protected RuntimeProblemException translate(Throwable error, String operation, String resource) {
        return errors.translate(error, operation, resource);
    }

    @Override
    protected void closeClient() {
        client().close();
    }
}
