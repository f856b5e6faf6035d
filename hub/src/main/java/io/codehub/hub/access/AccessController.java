package io.codehub.hub.access;

import io.codehub.hub.apidoc.HubApiDocument;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import org.jspecify.annotations.Nullable;
import org.springframework.http.CacheControl;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * {@code POST /api/v1/workspaces/{id}/access}: a one-time link and a session token for a workspace
 * (admin token, as all of {@code /api/**}). The answer is never cached ({@code Cache-Control: no-store}):
 * it holds credentials.
 */
@RestController
@Tag(name = HubApiDocument.WORKSPACES)
public class AccessController {

    private final WorkspaceAccess access;

    public AccessController(WorkspaceAccess access) {
        this.access = access;
    }

    /** 200 {@code {"url", "token", "expiresAt"}}; 400, 403 {@code access-denied}, 404 as {@link WorkspaceAccess#grant} says. */
    @PostMapping("/api/v1/workspaces/{id}/access")
    @Operation(operationId = "grantWorkspaceAccess", summary = "Open a workspace through the gateway",
            description = "A one-time link for a browser and a session token for programs, both ending at `expiresAt`. "
                    + "The body, and each of its members, is optional. The answer is never cached.")
    @ApiResponse(responseCode = "200", description = "The link and the token.")
    @ApiResponse(responseCode = "403", ref = HubApiDocument.ACCESS_DENIED)
    @ApiResponse(responseCode = "404", ref = HubApiDocument.WORKSPACE_NOT_FOUND)
    public Mono<ResponseEntity<AccessGrant>> access(@PathVariable String id,
            @Valid @RequestBody(required = false) @Nullable AccessRequest request) {
        return access.grant(id, request == null ? AccessRequest.DEFAULTS : request)
                .map(grant -> ResponseEntity.ok().cacheControl(CacheControl.noStore()).body(grant));
    }
}
