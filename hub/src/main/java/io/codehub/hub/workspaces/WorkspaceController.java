package io.codehub.hub.workspaces;

import java.net.URI;
import java.util.List;

import jakarta.validation.Valid;
import org.jspecify.annotations.Nullable;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * The workspaces API: {@code /api/v1/workspaces}. Requests record the desired state and answer at
 * once (202 for changes); the reconciler does the work, and {@code state} shows how far it got.
 */
@RestController
@RequestMapping("/api/v1/workspaces")
public class WorkspaceController {

    private final WorkspaceService service;

    public WorkspaceController(WorkspaceService service) {
        this.service = service;
    }

    /** Creates a workspace on a fitting agent; 201 with the chosen agent, 409 {@code no-eligible-agent} if none fits. */
    @PostMapping
    public Mono<ResponseEntity<WorkspaceView>> create(@Valid @RequestBody CreateWorkspaceRequest request) {
        return service.create(request).map(created -> ResponseEntity
                .created(URI.create("/api/v1/workspaces/" + created.id())).body(WorkspaceView.of(created)));
    }

    /** Workspaces, filtered by {@code agentId} and observed {@code state}. */
    @GetMapping
    public Mono<WorkspaceList> list(@RequestParam(required = false) @Nullable String agentId,
            @RequestParam(required = false) @Nullable String state) {
        return service.list(agentId, state == null ? null : parseState(state)).map(WorkspaceView::of).collectList()
                .map(WorkspaceList::new);
    }

    @GetMapping("/{id}")
    public Mono<WorkspaceView> get(@PathVariable String id) {
        return service.get(id).map(WorkspaceView::of);
    }

    @PostMapping("/{id}/start")
    public Mono<ResponseEntity<WorkspaceView>> start(@PathVariable String id) {
        return accepted(service.request(id, WorkspaceAction.START));
    }

    @PostMapping("/{id}/stop")
    public Mono<ResponseEntity<WorkspaceView>> stop(@PathVariable String id) {
        return accepted(service.request(id, WorkspaceAction.STOP));
    }

    @PostMapping("/{id}/archive")
    public Mono<ResponseEntity<WorkspaceView>> archive(@PathVariable String id) {
        return accepted(service.request(id, WorkspaceAction.ARCHIVE));
    }

    /** Recreates an archived workspace's volume from its archive; it then stays stopped. */
    @PostMapping("/{id}/restore")
    public Mono<ResponseEntity<WorkspaceView>> restore(@PathVariable String id) {
        return accepted(service.request(id, WorkspaceAction.RESTORE));
    }

    /** Deletes the workspace (instance and volume); it disappears from the API once done. */
    @DeleteMapping("/{id}")
    public Mono<ResponseEntity<WorkspaceView>> delete(@PathVariable String id) {
        return accepted(service.request(id, WorkspaceAction.DELETE));
    }

    private static Mono<ResponseEntity<WorkspaceView>> accepted(Mono<Workspace> change) {
        return change.map(saved -> ResponseEntity.accepted().body(WorkspaceView.of(saved)));
    }

    private static ObservedState parseState(String state) {
        try {
            return ObservedState.valueOf(state.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw io.codehub.hub.problem.HubProblemException.invalid("state", "'" + state + "' (expected one of: "
                    + java.util.Arrays.toString(ObservedState.values()) + ")");
        }
    }

    /** The body of {@code GET /api/v1/workspaces}. */
    public record WorkspaceList(List<WorkspaceView> items) {
    }
}
