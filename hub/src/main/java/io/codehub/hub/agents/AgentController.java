package io.codehub.hub.agents;

import java.net.URI;
import java.util.List;

import jakarta.validation.Valid;
import org.jspecify.annotations.Nullable;
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
public class AgentController {

    private final AgentRegistry registry;
    private final AgentConnections connections;

    public AgentController(AgentRegistry registry, AgentConnections connections) {
        this.registry = registry;
        this.connections = connections;
    }

    /** Registers an agent; 201 with the agent and its API key, shown only here. */
    @PostMapping
    public Mono<ResponseEntity<AgentWithKey>> register(@Valid @RequestBody RegisterAgentRequest request) {
        return registry.register(request).map(registered -> ResponseEntity
                .created(URI.create("/api/v1/agents/" + registered.agent().id())).body(withConnection(registered)));
    }

    /** Agents, filtered by {@code status}, {@code region} and every {@code label=key=value}. */
    @GetMapping
    public Mono<AgentList> list(@RequestParam(required = false) @Nullable String status,
            @RequestParam(required = false) @Nullable String region,
            @RequestParam(name = "label", required = false) @Nullable List<String> labels) {
        AgentStatus wanted = status == null ? null : AgentStatus.fromWire(status);
        return registry.list(wanted, region, Labels.parseSelectors(labels)).map(this::view).collectList()
                .map(AgentList::new);
    }

    @GetMapping("/{id}")
    public Mono<AgentView> get(@PathVariable String id) {
        return registry.get(id).map(this::view);
    }

    @PatchMapping("/{id}")
    public Mono<AgentView> update(@PathVariable String id, @Valid @RequestBody UpdateAgentRequest request) {
        return registry.update(id, request).map(this::view);
    }

    /** Deletes an agent without workspaces; 409 {@code agent-has-workspaces} otherwise. */
    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    public Mono<Void> delete(@PathVariable String id) {
        return registry.delete(id);
    }

    /** A new API key, shown only here; the previous one works for the grace period. */
    @PostMapping("/{id}/api-key/rotate")
    public Mono<AgentWithKey> rotate(@PathVariable String id) {
        return registry.rotateKey(id).map(this::withConnection);
    }

    private AgentView view(Agent agent) {
        return AgentView.of(agent, connections);
    }

    private AgentWithKey withConnection(AgentWithKey registered) {
        AgentView agent = registered.agent();
        return new AgentWithKey(agent.withConnection(connections.of(agent.id(), URI.create(agent.endpoint()))),
                registered.apiKey());
    }

    /** The body of {@code GET /api/v1/agents}. */
    public record AgentList(List<AgentView> items) {
    }
}
