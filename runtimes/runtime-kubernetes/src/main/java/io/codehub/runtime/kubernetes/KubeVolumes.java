package io.codehub.runtime.kubernetes;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import io.codehub.runtime.ConflictException;
import io.codehub.runtime.JobStatus;
import io.codehub.runtime.ProblemType;
import io.codehub.runtime.VolumeInfo;
import io.codehub.runtime.WorkspaceId;
import io.codehub.runtime.support.JobRegistry;
import io.codehub.runtime.support.ManagedNames;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Workspace volumes: one PersistentVolumeClaim {@code codehub-ws-<id>} per workspace
 * (ReadWriteOnce, the configured size and storage class), labelled as managed. A claim that has
 * the name but not the label is foreign: it is reported as absent and never changed or deleted.
 * A claim being deleted counts as absent; creating one waits until it is gone.
 */
final class KubeVolumes {

    private static final Logger log = LoggerFactory.getLogger(KubeVolumes.class);
    /** Pods read per page, and pages at most, when looking for users of a claim. */
    private static final long POD_PAGE = 500;
    private static final int MAX_POD_PAGES = 20;
    /** The most volumes a list returns. */
    static final int MAX_LIST_ITEMS = 10_000;

    private final KubeCalls calls;
    private final ObjectCache<PersistentVolumeClaim> claims;
    private final JobRegistry jobs;

    KubeVolumes(KubeCalls calls, ObjectCache<PersistentVolumeClaim> claims, JobRegistry jobs) {
        this.calls = calls;
        this.claims = claims;
        this.jobs = jobs;
    }

    /** Creates the managed claim unless it exists; a foreign claim of that name is a conflict. */
    Mono<VolumeInfo> create(WorkspaceId id) {
        String name = ManagedNames.workspace(id);
        return claims.ready().then(Mono.defer(() -> {
            PersistentVolumeClaim cached = claims.get(name);
            if (cached != null && !KubeNames.isTerminating(cached)) {
                return Mono.just(info(id, cached));
            }
            Mono<?> gone = cached == null ? Mono.empty()
                    : claims.await(name, claim -> claim == null, calls.config().callTimeout(),
                            "the deleted claim going away before it is created again");
            return gone.then(createClaim(id))
                    .then(claims.await(name, claim -> claim != null && !KubeNames.isTerminating(claim),
                            calls.config().callTimeout(), "the created claim appearing in the watch"))
                    .map(claim -> info(id, claim.orElseThrow()));
        }));
    }

    /** Whether the managed claim exists (and is not being deleted); a foreign one does not count. */
    Mono<Boolean> exists(WorkspaceId id) {
        return claims.ready().then(Mono.fromCallable(() -> {
            PersistentVolumeClaim claim = claims.get(ManagedNames.workspace(id));
            return claim != null && !KubeNames.isTerminating(claim);
        }));
    }

    /** The managed claims of workspaces, sorted by workspace id, at most {@value #MAX_LIST_ITEMS}. */
    Mono<List<VolumeInfo>> list() {
        return claims.ready().then(Mono.fromCallable(() -> claims.list().stream()
                .filter(claim -> KubeNames.isManaged(claim) && !KubeNames.isTerminating(claim))
                .map(claim -> {
                    WorkspaceId id = KubeNames.workspaceOf(claim);
                    return id != null && ManagedNames.workspace(id).equals(claim.getMetadata().getName())
                            ? info(id, claim) : null;
                })
                .filter(java.util.Objects::nonNull)
                .sorted(Comparator.comparing(volume -> volume.workspaceId().value()))
                .limit(MAX_LIST_ITEMS)
                .toList()));
    }

    /**
     * Deletes the managed claim; a missing one is fine. Refused while a job of this runtime works
     * on it, while any pod uses it, and when it is foreign.
     */
    Mono<Void> delete(WorkspaceId id) {
        String name = ManagedNames.workspace(id);
        return claims.ready().then(Mono.defer(() -> {
            JobStatus job = jobs.active(id);
            if (job != null) {
                return Mono.error(new ConflictException(ProblemType.JOB_IN_PROGRESS, "volume " + name
                        + " is being archived or restored by job " + job.jobId()));
            }
            PersistentVolumeClaim cached = claims.get(name);
            if (cached == null) {
                return requireNotForeign(name).then();
            }
            if (KubeNames.isTerminating(cached)) {
                return Mono.empty();
            }
            return requireUnused(name)
                    .then(calls.run("delete claim", name, client -> {
                        client.persistentVolumeClaims().inNamespace(calls.namespace()).resource(cached).delete();
                        log.info("deleted volume {}", name);
                    }))
                    .then(claims.await(name, claim -> claim == null || KubeNames.isTerminating(claim),
                            calls.config().callTimeout(), "the deleted claim leaving the watch"))
                    .then();
        }));
    }

    /** Fails with {@link ProblemType#VOLUME_IN_USE} when any pod that has not ended mounts the claim. */
    Mono<Void> requireUnused(String name) {
        return calls.call("list pods using claim", name, client -> {
            List<String> users = new ArrayList<>();
            String next = null;
            for (int page = 0; page < MAX_POD_PAGES; page++) {
                PodList pods = client.pods().inNamespace(calls.namespace())
                        .list(new ListOptionsBuilder().withLimit(POD_PAGE).withContinue(next).build());
                for (Pod pod : pods.getItems()) {
                    if (mounts(pod, name) && !ended(pod)) {
                        users.add(pod.getMetadata().getName());
                    }
                }
                next = pods.getMetadata() == null ? null : pods.getMetadata().getContinue();
                if (next == null || next.isEmpty()) {
                    break;
                }
            }
            return users;
        }).flatMap(users -> users.isEmpty() ? Mono.<Void>empty()
                : Mono.error(new ConflictException(ProblemType.VOLUME_IN_USE,
                        "volume " + name + " is used by pod " + String.join(", ", users.subList(0, Math.min(10, users.size()))))));
    }

    /** The claim by name from the API server, managed or not: how foreign objects are told apart. */
    Mono<Optional<PersistentVolumeClaim>> fetch(String name) {
        return calls.call("get claim", name, client -> Optional.ofNullable(
                client.persistentVolumeClaims().inNamespace(calls.namespace()).withName(name).get()));
    }

    /** Fails with {@link ProblemType#FOREIGN_RESOURCE} when an unmanaged claim has the name. */
    Mono<Void> requireNotForeign(String name) {
        return fetch(name).doOnNext(claim -> claim.ifPresent(found -> requireManaged(name, found, "volume"))).then();
    }

    private Mono<Void> createClaim(WorkspaceId id) {
        String name = ManagedNames.workspace(id);
        KubernetesRuntimeConfig config = calls.config();
        PersistentVolumeClaim claim = new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName(name).withLabels(ManagedNames.workspaceLabels(id)).endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withStorageClassName(config.storageClass())
                .withNewResources().addToRequests("storage", new Quantity(config.volumeSize())).endResources()
                .endSpec()
                .build();
        return calls.call("create claim", name, client -> {
            try {
                client.persistentVolumeClaims().inNamespace(calls.namespace()).resource(claim).create();
                log.info("created volume {} ({}{})", name, config.volumeSize(),
                        config.storageClass() == null ? "" : ", storage class " + config.storageClass());
                return true;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                return false;
            }
        }).flatMap(created -> created ? Mono.<Void>empty() : requireNotForeign(name));
    }

    /** Fails with {@link ProblemType#FOREIGN_RESOURCE} unless the object carries the managed label. */
    static void requireManaged(String name, HasMetadata object, String kind) {
        if (!KubeNames.isManaged(object)) {
            throw new ConflictException(ProblemType.FOREIGN_RESOURCE, kind + " " + name
                    + " exists but was not created by codehub (no label " + ManagedNames.MANAGED
                    + "=true); it is left untouched");
        }
    }

    static boolean mounts(Pod pod, String claim) {
        if (pod.getSpec() == null || pod.getSpec().getVolumes() == null) {
            return false;
        }
        for (Volume volume : pod.getSpec().getVolumes()) {
            if (volume.getPersistentVolumeClaim() != null && claim.equals(volume.getPersistentVolumeClaim().getClaimName())) {
                return true;
            }
        }
        return false;
    }

    private static boolean ended(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    private static VolumeInfo info(WorkspaceId id, PersistentVolumeClaim claim) {
        return new VolumeInfo(id, ManagedNames.workspace(id), PodStates.parseTime(claim.getMetadata().getCreationTimestamp()));
    }
}
