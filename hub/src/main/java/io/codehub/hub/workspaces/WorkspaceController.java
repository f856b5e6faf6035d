package io.codehub.hub.workspaces;

import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import io.codehub.hub.apidoc.HubApiDocument;
import io.codehub.hub.paging.Pages;
import io.codehub.hub.problem.HubProblemException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
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
@Tag(name = HubApiDocument.WORKSPACES)
public class WorkspaceController {

    private final WorkspaceService service;

    public WorkspaceController(WorkspaceService service) {
        this.service = service;
    }

    /** Creates a workspace on a fitting agent; 201 with the chosen agent, 409 {@code no-eligible-agent} if none fits. */
    @PostMapping
    @Operation(operationId = "createWorkspace", summary = "Create a workspace",
            description = "Places it on `agentId`, or on the least loaded active agent with free capacity in `region` "
                    + "with every one of `labels`, and records it with desired state RUNNING; the reconciler starts it.")
    @ApiResponse(responseCode = "201", description = "Created; its `state` is PENDING until the reconciler moves it.",
            headers = @Header(name = HttpHeaders.LOCATION, description = "The workspace's URL.",
                    schema = @Schema(type = "string")))
    @ApiResponse(responseCode = "404", ref = HubApiDocument.AGENT_NOT_FOUND)
    @ApiResponse(responseCode = "409", ref = HubApiDocument.NO_ELIGIBLE_AGENT)
    public Mono<ResponseEntity<WorkspaceView>> create(@Valid @RequestBody CreateWorkspaceRequest request) {
        return service.create(request).map(created -> ResponseEntity
                .created(URI.create("/api/v1/workspaces/" + created.id())).body(WorkspaceView.of(created)));
    }

    /** Workspaces, filtered by {@code agentId} and observed {@code state}. */
    @GetMapping
    @Operation(operationId = "listWorkspaces", summary = "List workspaces", description = "Workspaces matching every "
            + "filter given, oldest first, paged: pass the answer's `next` as `after` for the next page; `next` is null "
            + "on the last page.")
    @ApiResponse(responseCode = "200", description = "The workspaces.")
    @ApiResponse(responseCode = "400", ref = HubApiDocument.BAD_REQUEST)
    public Mono<WorkspaceList> list(
            @Parameter(description = "Only workspaces on this agent.") @RequestParam(required = false) @Nullable String agentId,
            @Parameter(description = "Only workspaces in this observed state (any case).",
                    schema = @Schema(implementation = ObservedState.class))
            @RequestParam(required = false) @Nullable String state,
            @Parameter(description = "Only workspaces after this one (the previous page's `next`).")
            @RequestParam(required = false) @Nullable String after,
            @Parameter(description = "Page size, 1 to 1000 (default 1000).") @RequestParam(required = false)
            @Nullable String limit) {
        int size = Pages.limit(limit);
        return Pages.page(service.list(agentId, state == null ? null : parseState(state)), Workspace::id, after, size)
                .map(page -> new WorkspaceList(page.items().stream().map(WorkspaceView::of).toList(), page.next()));
    }

    @GetMapping("/{id}")
    @Operation(operationId = "getWorkspace", summary = "Get a workspace")
    @ApiResponse(responseCode = "200", description = "The workspace.")
    @ApiResponse(responseCode = "404", ref = HubApiDocument.WORKSPACE_NOT_FOUND)
    public Mono<WorkspaceView> get(@PathVariable String id) {
        return service.get(id).map(WorkspaceView::of);
    }

    @PostMapping("/{id}/start")
    @Operation(operationId = "startWorkspace", summary = "Start a workspace",
            description = "Desired state RUNNING; an archived workspace is restored first. Also retries a workspace in ERROR.")
    @ApiResponse(responseCode = "202", description = "Recorded; poll the workspace until `state` is `desiredState`.")
    @ApiResponse(responseCode = "404", ref = HubApiDocument.WORKSPACE_NOT_FOUND)
    @ApiResponse(responseCode = "409", ref = HubApiDocument.INVALID_TRANSITION)
    public Mono<ResponseEntity<WorkspaceView>> start(@PathVariable String id) {
        return accepted(service.request(id, WorkspaceAction.START));
    }

    @PostMapping("/{id}/stop")
    @Operation(operationId = "stopWorkspace", summary = "Stop a workspace",
            description = "Desired state STOPPED: its instance is deleted, its volume kept.")
    @ApiResponse(responseCode = "202", description = "Recorded; poll the workspace until `state` is `desiredState`.")
    @ApiResponse(responseCode = "404", ref = HubApiDocument.WORKSPACE_NOT_FOUND)
    @ApiResponse(responseCode = "409", ref = HubApiDocument.INVALID_TRANSITION)
    public Mono<ResponseEntity<WorkspaceView>> stop(@PathVariable String id) {
        return accepted(service.request(id, WorkspaceAction.STOP));
    }

    @PostMapping("/{id}/archive")
    @Operation(operationId = "archiveWorkspace", summary = "Archive a workspace",
            description = "Desired state ARCHIVED: its volume is archived on its agent, then deleted.")
    @ApiResponse(responseCode = "202", description = "Recorded; poll the workspace until `state` is `desiredState`.")
    @ApiResponse(responseCode = "404", ref = HubApiDocument.WORKSPACE_NOT_FOUND)
    @ApiResponse(responseCode = "409", ref = HubApiDocument.INVALID_TRANSITION)
    public Mono<ResponseEntity<WorkspaceView>> archive(@PathVariable String id) {
        return accepted(service.request(id, WorkspaceAction.ARCHIVE));
    }

    /** Recreates an archived workspace's volume from its archive; it then stays stopped. */
    @PostMapping("/{id}/restore")
    @Operation(operationId = "restoreWorkspace", summary = "Restore an archived workspace",
            description = "Its volume is recreated from its last archive; it then stays STOPPED.")
    @ApiResponse(responseCode = "202", description = "Recorded; poll the workspace until `state` is `desiredState`.")
    @ApiResponse(responseCode = "404", ref = HubApiDocument.WORKSPACE_NOT_FOUND)
    @ApiResponse(responseCode = "409", ref = HubApiDocument.INVALID_TRANSITION)
    public Mono<ResponseEntity<WorkspaceView>> restore(@PathVariable String id) {
        return accepted(service.request(id, WorkspaceAction.RESTORE));
    }

    /** Deletes the workspace (instance and volume); it disappears from the API once done. */
    @DeleteMapping("/{id}")
    @Operation(operationId = "deleteWorkspace", summary = "Delete a workspace",
            description = "Desired state DELETED: its instance and volume are removed, then the workspace disappears "
                    + "(404).")
    @ApiResponse(responseCode = "202", description = "Recorded; poll the workspace until it is gone.")
    @ApiResponse(responseCode = "404", ref = HubApiDocument.WORKSPACE_NOT_FOUND)
    @ApiResponse(responseCode = "409", ref = HubApiDocument.INVALID_TRANSITION)
    public Mono<ResponseEntity<WorkspaceView>> delete(@PathVariable String id) {
        return accepted(service.request(id, WorkspaceAction.DELETE));
    }

    private static Mono<ResponseEntity<WorkspaceView>> accepted(Mono<Workspace> change) {
        return change.map(saved -> ResponseEntity.accepted().body(WorkspaceView.of(saved)));
    }

    private static ObservedState parseState(String state) {
        try {
            return ObservedState.valueOf(state.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw HubProblemException.invalid("state", "'" + state + "' (expected one of: "
                    + Arrays.toString(ObservedState.values()) + ")");
        }
    }

    /**
     * The body of {@code GET /api/v1/workspaces}.
     *
     * @param items the workspaces, oldest first
     * @param next  the {@code after} of the next page; null on the last page
     */
    public record WorkspaceList(List<WorkspaceView> items, @Nullable String next) {
    }
}
