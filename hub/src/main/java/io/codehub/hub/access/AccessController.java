package io.codehub.hub.access;

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
public class AccessController {

    private final WorkspaceAccess access;

    public AccessController(WorkspaceAccess access) {
        this.access = access;
    }

    /** 200 {@code {"url", "token", "expiresAt"}}; 400, 403 {@code access-denied}, 404 as {@link WorkspaceAccess#grant} says. */
    @PostMapping("/api/v1/workspaces/{id}/access")
    public Mono<ResponseEntity<AccessGrant>> access(@PathVariable String id,
            @Valid @RequestBody(required = false) @Nullable AccessRequest request) {
        return access.grant(id, request == null ? AccessRequest.DEFAULTS : request)
                .map(grant -> ResponseEntity.ok().cacheControl(CacheControl.noStore()).body(grant));
    }
}
