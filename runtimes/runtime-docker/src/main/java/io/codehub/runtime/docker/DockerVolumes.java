package io.codehub.runtime.docker;

import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.github.dockerjava.api.command.InspectVolumeResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.DockerObject;
import io.codehub.runtime.ConflictException;
import io.codehub.runtime.JobStatus;
import io.codehub.runtime.ProblemType;
import io.codehub.runtime.VolumeInfo;
import io.codehub.runtime.WorkspaceId;
import io.codehub.runtime.support.JobRegistry;
import io.codehub.runtime.support.ManagedNames;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Workspace volumes: one Docker volume {@code codehub-ws-<id>} per workspace, labelled as managed.
 * A volume that has the name but not the label is foreign: it is reported as absent and never
 * changed or deleted.
 */
final class DockerVolumes {

    private static final Logger log = LoggerFactory.getLogger(DockerVolumes.class);

    private final DockerCalls calls;
    private final JobRegistry jobs;

    DockerVolumes(DockerCalls calls, JobRegistry jobs) {
        this.calls = calls;
        this.jobs = jobs;
    }

    /** Creates the managed volume unless it exists; a foreign volume of that name is a conflict. */
    Mono<VolumeInfo> create(WorkspaceId id) {
        String name = ManagedNames.workspace(id);
        return inspect(name)
                .switchIfEmpty(Mono.defer(() -> calls.call("create volume", name, client -> {
                    var response = client.createVolumeCmd().withName(name)
                            .withLabels(ManagedNames.workspaceLabels(id)).exec();
                    log.info("created volume {}", name);
                    return response;
                }).flatMap(response -> inspect(name))))
                .map(volume -> {
                    requireManaged(name, volume.getLabels(), "volume");
                    return info(id, volume);
                });
    }

    /** Whether the managed volume exists; a foreign one does not count. */
    Mono<Boolean> exists(WorkspaceId id) {
        return inspect(ManagedNames.workspace(id))
                .map(volume -> ManagedNames.isManaged(volume.getLabels()))
                .defaultIfEmpty(false);
    }

    /** The managed volumes, sorted by workspace id. */
    Mono<List<VolumeInfo>> list() {
        return calls.call("list volumes", "labelled " + ManagedNames.MANAGED, client -> {
            var response = client.listVolumesCmd()
                    .withFilter("label", List.of(ManagedNames.MANAGED + "=true")).exec();
            List<InspectVolumeResponse> volumes = response.getVolumes() == null ? List.of() : response.getVolumes();
            Map<String, Instant> created = createdTimes(response);
            return volumes.stream()
                    .filter(volume -> ManagedNames.isManaged(volume.getLabels()))
                    .map(volume -> {
                        WorkspaceId id = ManagedNames.workspaceOf(volume.getLabels());
                        return id == null || !ManagedNames.workspace(id).equals(volume.getName()) ? null
                                : new VolumeInfo(id, volume.getName(), created.get(volume.getName()));
                    })
                    .filter(Objects::nonNull)
                    .sorted(Comparator.comparing(volume -> volume.workspaceId().value()))
                    .toList();
        });
    }

    /**
     * Deletes the managed volume; a missing one is fine. Refused while a job of this runtime works
     * on it, while any container uses it, and when it is foreign.
     */
    Mono<Void> delete(WorkspaceId id) {
        String name = ManagedNames.workspace(id);
        return Mono.defer(() -> {
            JobStatus job = jobs.active(id);
            if (job != null) {
                return Mono.error(new ConflictException(ProblemType.JOB_IN_PROGRESS, "volume " + name
                        + " is being archived or restored by job " + job.jobId()));
            }
            return inspect(name).flatMap(volume -> {
                requireManaged(name, volume.getLabels(), "volume");
                return requireUnused(name).then(calls.call("remove volume", name, client -> {
                    try {
                        client.removeVolumeCmd(name).exec();
                        log.info("deleted volume {}", name);
                    } catch (NotFoundException e) {
                        log.debug("volume {} was already gone", name);
                    } catch (com.github.dockerjava.api.exception.ConflictException e) {
                        throw new ConflictException(ProblemType.VOLUME_IN_USE,
                                "volume " + name + " is in use: " + DockerErrors.engineMessage(e), e);
                    }
                    return name;
                })).then();
            });
        });
    }

    /** Fails with {@link ProblemType#VOLUME_IN_USE} when any container, running or not, mounts the volume. */
    Mono<Void> requireUnused(String name) {
        return calls.call("list containers using volume", name, client -> client.listContainersCmd()
                .withShowAll(true).withVolumeFilter(List.of(name)).exec())
                .flatMap(containers -> {
                    if (containers.isEmpty()) {
                        return Mono.empty();
                    }
                    List<String> users = containers.stream().map(DockerVolumes::nameOf).toList();
                    return Mono.error(new ConflictException(ProblemType.VOLUME_IN_USE,
                            "volume " + name + " is used by container " + String.join(", ", users)));
                });
    }

    /** The volume named {@code name}, managed or not; empty when there is none. */
    Mono<InspectVolumeResponse> inspect(String name) {
        return calls.call("inspect volume", name, client -> {
            try {
                return client.inspectVolumeCmd(name).exec();
            } catch (NotFoundException e) {
                return null;
            }
        });
    }

    /** Fails with {@link ProblemType#FOREIGN_RESOURCE} unless {@code labels} mark a managed resource. */
    static void requireManaged(String name, @Nullable Map<String, String> labels, String kind) {
        if (!ManagedNames.isManaged(labels)) {
            throw new ConflictException(ProblemType.FOREIGN_RESOURCE, kind + " " + name
                    + " exists but was not created by codehub (no label " + ManagedNames.MANAGED + "=true); it is left untouched");
        }
    }

    private static VolumeInfo info(WorkspaceId id, DockerObject volume) {
        Object createdAt = volume.getRawValues().get("CreatedAt");
        Instant created = createdAt instanceof String text ? ContainerStates.parseTime(text) : null;
        return new VolumeInfo(id, ManagedNames.workspace(id), created);
    }

    /**
     * Creation times by volume name. docker-java keeps unmapped fields only on the top-level
     * object, so they are read from the raw {@code Volumes} list of the response.
     */
    private static Map<String, Instant> createdTimes(DockerObject response) {
        Map<String, Instant> created = new HashMap<>();
        if (response.getRawValues().get("Volumes") instanceof List<?> raw) {
            for (Object item : raw) {
                if (item instanceof Map<?, ?> volume && volume.get("Name") instanceof String name
                        && volume.get("CreatedAt") instanceof String createdAt) {
                    Instant instant = ContainerStates.parseTime(createdAt);
                    if (instant != null) {
                        created.put(name, instant);
                    }
                }
            }
        }
        return created;
    }

    private static String nameOf(Container container) {
        String[] names = container.getNames();
        return names != null && names.length > 0 ? names[0].replaceFirst("^/", "") : container.getId();
    }
}
