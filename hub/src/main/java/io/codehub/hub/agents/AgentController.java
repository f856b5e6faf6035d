package io.codehub.hub.agents;

import java.net.URI;
import java.util.List;

import io.codehub.hub.apidoc.HubApiDocument;
import io.codehub.hub.paging.Pages;
import io.codehub.hub.remote.AgentClocks;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** The agents API: {@code /api/v1/agents}. No answer ever holds a key hash. */
@RestController
@RequestMapping("/api/v1/agents")
@Tag(name = HubApiDocument.AGENTS)
public class AgentController {

    private final AgentRegistry registry;
    private final AgentConnections connections;
    private final AgentClocks clocks;

    public AgentController(AgentRegistry registry, AgentConnections connections, AgentClocks clocks) {
        this.registry = registry;
        this.connections = connections;
        this.clocks = clocks;
    }

    /** Registers an agent; 201 with the agent and its API key, shown only here. */
    @PostMapping
    @Operation(operationId = "registerAgent", summary = "Register an agent",
            description = "The answer holds the agent's API key (`chk_<agent id>_<secret>`), shown only here: the hub "
                    + "keeps a bcrypt hash of it.")
    @ApiResponse(responseCode = "201", description = "Registered.",
            headers = @Header(name = HttpHeaders.LOCATION, description = "The agent's URL.", schema = @Schema(type = "string")))
    public Mono<ResponseEntity<AgentWithKey>> register(@Valid @RequestBody RegisterAgentRequest request) {
        return registry.register(request).map(registered -> ResponseEntity
                .created(URI.create("/api/v1/agents/" + registered.agent().id())).body(withConnection(registered)));
    }

    /** Agents, filtered by {@code status}, {@code region} and every {@code label=key=value}. */
    @GetMapping
    @Operation(operationId = "listAgents", summary = "List agents", description = "Agents matching every filter given, "
            + "oldest first, paged: pass the answer's `next` as `after` for the next page; `next` is null on the last page.")
    @ApiResponse(responseCode = "200", description = "The agents.")
    @ApiResponse(responseCode = "400", ref = HubApiDocument.BAD_REQUEST)
    public Mono<AgentList> list(
            @Parameter(description = "Only agents in this status.",
                    schema = @Schema(allowableValues = {"pending", "active", "inactive", "error"}))
            @RequestParam(required = false) @Nullable String status,
            @Parameter(description = "Only agents in this region.") @RequestParam(required = false) @Nullable String region,
            @Parameter(description = "Only agents with this label, as `key=value`; repeat it for more.")
            @RequestParam(name = "label", required = false) @Nullable List<String> labels,
            @Parameter(description = "Only agents after this one (the previous page's `next`).")
            @RequestParam(required = false) @Nullable String after,
            @Parameter(description = "Page size, 1 to 1000 (default 1000).") @RequestParam(required = false)
            @Nullable String limit) {
        AgentStatus wanted = status == null ? null : AgentStatus.fromWire(status);
        int size = Pages.limit(limit);
        return Pages.page(registry.list(wanted, region, Labels.parseSelectors(labels)), Agent::id, after, size)
                .map(page -> new AgentList(page.items().stream().map(this::view).toList(), page.next()));
    }

    @GetMapping("/{id}")
    @Operation(operationId = "getAgent", summary = "Get an agent", description = "With its health, and its tunnel "
            + "connection when it is tunnelled.")
    @ApiResponse(responseCode = "200", description = "The agent.")
    @ApiResponse(responseCode = "404", ref = HubApiDocument.AGENT_NOT_FOUND)
    public Mono<AgentView> get(@PathVariable String id) {
        return registry.get(id).map(this::view);
    }

    @PatchMapping("/{id}")
    @Operation(operationId = "updateAgent", summary = "Change an agent's settings",
            description = "Only the members present change; `labels` replaces the whole set, `region: \"\"` removes the "
                    + "region.")
    @ApiResponse(responseCode = "200", description = "The agent as changed.")
    @ApiResponse(responseCode = "404", ref = HubApiDocument.AGENT_NOT_FOUND)
    public Mono<AgentView> update(@PathVariable String id, @Valid @RequestBody UpdateAgentRequest request) {
        return registry.update(id, request).map(this::view);
    }

    /** Deletes an agent without workspaces; 409 {@code agent-has-workspaces} otherwise. */
    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(operationId = "deleteAgent", summary = "Delete an agent that holds no workspace")
    @ApiResponse(responseCode = "204", description = "Deleted.")
    @ApiResponse(responseCode = "404", ref = HubApiDocument.AGENT_NOT_FOUND)
    @ApiResponse(responseCode = "409", ref = HubApiDocument.AGENT_HAS_WORKSPACES)
    public Mono<Void> delete(@PathVariable String id) {
        return registry.delete(id).doOnSuccess(done -> clocks.forget(id));
    }

    /** A new API key, shown only here; the previous one works for the grace period. */
    @PostMapping("/{id}/api-key/rotate")
    @Operation(operationId = "rotateAgentApiKey", summary = "Issue a new API key for an agent",
            description = "The new key is shown only here; the previous one keeps working for the grace period "
                    + "(`previousKeyExpiresAt`).")
    @ApiResponse(responseCode = "200", description = "The agent and its new key.")
    @ApiResponse(responseCode = "404", ref = HubApiDocument.AGENT_NOT_FOUND)
    public Mono<AgentWithKey> rotate(@PathVariable String id) {
        return registry.rotateKey(id).map(this::withConnection);
    }

    private AgentView view(Agent agent) {
        return AgentView.of(agent, connections, clocks);
    }

    private AgentWithKey withConnection(AgentWithKey registered) {
        AgentView agent = registered.agent();
        return new AgentWithKey(agent.withConnection(connections.of(agent.id(), URI.create(agent.endpoint()))),
                registered.apiKey());
    }

    /**
     * The body of {@code GET /api/v1/agents}.
     *
     * @param items the agents, oldest first
     * @param next  the {@code after} of the next page; null on the last page
     */
    public record AgentList(List<AgentView> items, @Nullable String next) {
    }
}
