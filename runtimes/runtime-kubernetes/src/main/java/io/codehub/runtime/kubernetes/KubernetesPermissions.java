package io.codehub.runtime.kubernetes;

import java.util.List;
import java.util.Set;

/**
 * Every API verb this runtime uses, per resource, in its one namespace: the Helm chart's Role
 * grants exactly these (a chart test compares them), and {@code docs/kubernetes.md} explains each.
 * {@code GET /version}, read by {@code health()}, is a non-resource URL every authenticated
 * client may read, so it needs no rule.
 */
final class KubernetesPermissions {

    /** One rule of a namespaced Role. */
    record Rule(String apiGroup, String resource, Set<String> verbs) {
    }

    /**
     * <ul>
     * <li>pods: the instances (create, delete; get to tell a foreign pod of our name; list and watch
     *     for the informer, list also to find pods that mount a claim and the pod of a Job);</li>
     * <li>persistentvolumeclaims: the workspace volumes (create, delete, get, list, watch);</li>
     * <li>jobs: archive and restore (create, delete; list and watch for the informer; get is not used);</li>
     * <li>configmaps: the archive records (create, get).</li>
     * </ul>
     */
    static final List<Rule> RULES = List.of(
            new Rule("", "pods", Set.of("get", "list", "watch", "create", "delete")),
            new Rule("", "persistentvolumeclaims", Set.of("get", "list", "watch", "create", "delete")),
            new Rule("batch", "jobs", Set.of("list", "watch", "create", "delete")),
            new Rule("", "configmaps", Set.of("get", "create")));

    private KubernetesPermissions() {
    }
}
