package io.codehub.agent.api;

import java.net.URI;

import io.codehub.agent.AgentPlatform;
import io.codehub.runtime.AgentApiDocument;
import io.codehub.runtime.ArchiveRequest;
import io.codehub.runtime.Health;
import io.codehub.runtime.InstanceSpec;
import io.codehub.runtime.InstanceStatus;
import io.codehub.runtime.InvalidSpecException;
import io.codehub.runtime.ItemList;
import io.codehub.runtime.JobStatus;
import io.codehub.runtime.ProblemType;
import io.codehub.runtime.RestoreRequest;
import io.codehub.runtime.Runtime;
import io.codehub.runtime.Upstream;
import io.codehub.runtime.VolumeExistence;
import io.codehub.runtime.VolumeInfo;
import io.codehub.runtime.WorkspaceId;
import io.codehub.runtime.support.ExposedPorts;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * Agent API v1: every route maps onto one {@link Runtime} call. This is the only implementation
 * of the API in the agent; the direct listener and the tunnel both reach it.
 */
@RestController
public class AgentApiController {

    private final Runtime runtime;

    public AgentApiController(Runtime runtime) {
        this.runtime = runtime;
    }

    @PostMapping(path = "/instances/{workspaceId}/start", consumes = MediaType.APPLICATION_JSON_VALUE)
    public Mono<InstanceStatus> start(@PathVariable String workspaceId, @RequestBody(required = false) Mono<InstanceSpec> spec) {
        WorkspaceId id = WorkspaceId.of(workspaceId);
        return spec.switchIfEmpty(Mono.error(() -> missingBody("an instance spec such as {\"image\": \"...\"}")))
                .flatMap(s -> runtime.startInstance(id, s));
    }

    @DeleteMapping("/instances/{workspaceId}")
    public Mono<ResponseEntity<Void>> deleteInstance(@PathVariable String workspaceId) {
        return runtime.deleteInstance(WorkspaceId.of(workspaceId)).thenReturn(ResponseEntity.noContent().build());
    }

    @GetMapping("/instances/{workspaceId}/status")
    public Mono<InstanceStatus> status(@PathVariable String workspaceId) {
        return runtime.instanceStatus(WorkspaceId.of(workspaceId));
    }

    /** The main port's upstream, or with {@code ?port=N} that of container port N (one the instance exposes). */
    @GetMapping("/instances/{workspaceId}/upstream")
    public Mono<Upstream> upstream(@PathVariable String workspaceId, @RequestParam(required = false) @Nullable String port) {
        WorkspaceId id = WorkspaceId.of(workspaceId);
        return port == null ? runtime.upstream(id) : runtime.upstream(id, portNumber(port));
    }

    @GetMapping("/instances")
    public Mono<ItemList<InstanceStatus>> listInstances(@RequestParam(defaultValue = "") String prefix) {
        return runtime.listInstances(prefix).map(ItemList::new);
    }

    @PostMapping("/volumes/{workspaceId}")
    public Mono<VolumeInfo> createVolume(@PathVariable String workspaceId) {
        return runtime.createVolume(WorkspaceId.of(workspaceId));
    }

    @DeleteMapping("/volumes/{workspaceId}")
    public Mono<ResponseEntity<Void>> deleteVolume(@PathVariable String workspaceId) {
        return runtime.deleteVolume(WorkspaceId.of(workspaceId)).thenReturn(ResponseEntity.noContent().build());
    }

    @GetMapping("/volumes/{workspaceId}/exists")
    public Mono<VolumeExistence> volumeExists(@PathVariable String workspaceId) {
        return runtime.volumeExists(WorkspaceId.of(workspaceId)).map(VolumeExistence::new);
    }

    @GetMapping("/volumes")
    public Mono<ItemList<VolumeInfo>> listVolumes() {
        return runtime.listVolumes().map(ItemList::new);
    }

    @PostMapping(path = "/jobs/archive", consumes = MediaType.APPLICATION_JSON_VALUE)
    public Mono<ResponseEntity<JobStatus>> archive(@RequestBody(required = false) Mono<ArchiveRequest> request) {
        return request.switchIfEmpty(Mono.error(() -> missingBody("{\"workspaceId\": \"...\"}")))
                .flatMap(runtime::startArchive)
                .map(AgentApiController::accepted);
    }

    @PostMapping(path = "/jobs/restore", consumes = MediaType.APPLICATION_JSON_VALUE)
    public Mono<ResponseEntity<JobStatus>> restore(@RequestBody(required = false) Mono<RestoreRequest> request) {
        return request.switchIfEmpty(Mono.error(() -> missingBody("{\"workspaceId\": \"...\", \"archiveKey\": \"...\"}")))
                .flatMap(runtime::startRestore)
                .map(AgentApiController::accepted);
    }

    @GetMapping("/jobs/{jobId}")
    public Mono<JobStatus> job(@PathVariable String jobId) {
        return runtime.job(jobId);
    }

    @GetMapping("/health")
    public Mono<Health> health() {
        return runtime.health().map(health -> health.withPlatform(AgentPlatform.os(), AgentPlatform.arch()));
    }

    @GetMapping(path = "/openapi.yaml", produces = AgentApiDocument.MEDIA_TYPE)
    public byte[] openApiDocument() {
        return AgentApiDocument.bytes();
    }

    private static ResponseEntity<JobStatus> accepted(JobStatus job) {
        return ResponseEntity.accepted().location(URI.create("/jobs/" + job.jobId())).body(job);
    }

    /** A {@code port} query parameter as a port number; {@code invalid-spec} when it is not one. */
    private static int portNumber(String port) {
        if (!port.matches("[0-9]{1,5}")) {
            String shown = port.length() > 16 ? port.substring(0, 16) + "..." : port;
            throw new InvalidSpecException(ProblemType.INVALID_SPEC, "port: '" + shown
                    + "' (expected: a port number 1..65535)");
        }
        return ExposedPorts.requireValid(Integer.parseInt(port));
    }

    private static InvalidSpecException missingBody(String expected) {
        return new InvalidSpecException(ProblemType.MALFORMED_REQUEST, "request body is missing (expected: " + expected + ")");
    }
}
