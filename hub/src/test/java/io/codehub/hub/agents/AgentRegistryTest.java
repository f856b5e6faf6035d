package io.codehub.hub.agents;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import io.codehub.hub.remote.DirectAgentConnectors;
import io.codehub.hub.support.MutableClock;
import io.codehub.hub.support.RecordingEvents;
import io.codehub.hub.support.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.scheduler.Schedulers;

class AgentRegistryTest {

    private static final Duration BLOCK = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private TestDatabase database;
    private DirectAgentConnectors connectors;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private AgentRegistry registry;

    final RecordingEvents events = new RecordingEvents();

    @BeforeEach
    void open() {
        database = TestDatabase.h2(dir);
        connectors = new DirectAgentConnectors(Duration.ofSeconds(1));
        registry = new AgentRegistry(database.agents(), database.workspaces(), new ApiKeys(4), connectors, database.tx(),
                Schedulers.boundedElastic(), Duration.ofHours(1), clock, events);
    }

    @AfterEach
    void close() throws Exception {
        connectors.close();
        database.close();
    }

    @Test
    void thePreviousKeyWorksOnlyDuringTheGracePeriod() {
        AgentWithKey registered = registry.register(new RegisterAgentRequest("a", "https://agent.example:8443", "docker",
                2, null, Map.of(), null)).block(BLOCK);
        String first = registered.apiKey();
        String id = registered.agent().id();
        assertThat(registry.authenticate(first).map(Agent::id).block(BLOCK)).isEqualTo(id);

        String second = registry.rotateKey(id).block(BLOCK).apiKey();
        clock.advance(Duration.ofMinutes(59));
        assertThat(registry.authenticate(first).map(Agent::id).block(BLOCK)).isEqualTo(id);
        assertThat(registry.authenticate(second).map(Agent::id).block(BLOCK)).isEqualTo(id);

        clock.advance(Duration.ofMinutes(2));
        assertThat(registry.authenticate(first).blockOptional(BLOCK)).isEmpty();
        assertThat(registry.authenticate(second).map(Agent::id).block(BLOCK)).isEqualTo(id);

        String third = registry.rotateKey(id).block(BLOCK).apiKey();
        assertThat(registry.authenticate(first).blockOptional(BLOCK)).as("two rotations ago").isEmpty();
        assertThat(registry.authenticate(third).map(Agent::id).block(BLOCK)).isEqualTo(id);
        assertThat(registry.authenticate("chk_" + id + "_garbage").blockOptional(BLOCK)).isEmpty();
        assertThat(registry.authenticate("not a key").blockOptional(BLOCK)).isEmpty();
    }
}
