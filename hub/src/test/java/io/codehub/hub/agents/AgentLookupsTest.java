package io.codehub.hub.agents;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import io.codehub.hub.support.TestAgents;
import io.codehub.hub.support.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

class AgentLookupsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private TestDatabase database;
    /** The ids each statement read. */
    private final List<List<String>> reads = new CopyOnWriteArrayList<>();

    @BeforeEach
    void open() {
        database = TestDatabase.h2(dir);
    }

    @AfterEach
    void close() throws Exception {
        database.close();
    }

    private Agent stored() {
        Agent agent = TestAgents.agent(1, AgentStatus.ACTIVE, null, Map.of());
        database.agents().insert(agent).block(WAIT);
        return agent;
    }

    private AgentLookups lookups() {
        return new AgentLookups(ids -> {
            reads.add(ids);
            return database.agents().findAllById(ids);
        });
    }

    @Test
    void aLoneLookupReadsItsRowAndAnUnknownIdIsEmpty() {
        Agent agent = stored();
        AgentLookups lookups = lookups();

        StepVerifier.create(lookups.find(agent.id())).assertNext(found -> {
            assertThat(found.id()).isEqualTo(agent.id());
            assertThat(found.name()).isEqualTo(agent.name());
        }).expectComplete().verify(WAIT);
        StepVerifier.create(lookups.find("no-such-agent")).expectComplete().verify(WAIT);
        assertThat(reads).containsExactly(List.of(agent.id()), List.of("no-such-agent"));
    }

    @Test
    void lookupsAskedWhileAReadRunsShareTheNextStatement() {
        List<Agent> agents = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            agents.add(stored());
        }
        // The first read waits until every lookup was asked for, as a busy database would.
        Sinks.Empty<Void> busy = Sinks.empty();
        AgentLookups lookups = new AgentLookups(ids -> {
            reads.add(ids);
            return database.agents().findAllById(ids).delaySubscription(busy.asMono());
        });

        // 1,200 at once, every agent asked for many times, and unknown ids among them.
        List<CompletableFuture<String>> answers = new ArrayList<>();
        for (int i = 0; i < 1_200; i++) {
            String id = i % 7 == 0 ? "unknown-" + i : agents.get(i % agents.size()).id();
            answers.add(lookups.find(id).map(Agent::id).defaultIfEmpty("none:" + id).toFuture());
        }
        busy.tryEmitEmpty();

        for (int i = 0; i < 1_200; i++) {
            String expected = i % 7 == 0 ? "none:unknown-" + i : agents.get(i % agents.size()).id();
            assertThat(answers.get(i)).as("lookup %d", i).succeedsWithin(WAIT).isEqualTo(expected);
        }
        assertThat(reads.get(0)).as("the first lookup is read at once, alone").hasSize(1);
        assertThat(reads).as("1,199 lookups asked for while it ran: two statements of %d and one of the rest",
                AgentLookups.MAX_BATCH).hasSize(4);
        assertThat(reads).allSatisfy(ids -> assertThat(ids).hasSizeLessThanOrEqualTo(AgentLookups.MAX_BATCH)
                .doesNotHaveDuplicates());
    }

    @Test
    void aFailedReadFailsItsLookupsAndTheNextOneReadsAgain() {
        Agent agent = stored();
        AtomicBoolean fail = new AtomicBoolean(true);
        AgentLookups lookups = new AgentLookups(ids -> fail.getAndSet(false)
                ? Flux.error(new IllegalStateException("database down"))
                : database.agents().findAllById(ids));

        StepVerifier.create(lookups.find(agent.id())).expectErrorMessage("database down").verify(WAIT);
        StepVerifier.create(lookups.find(agent.id())).expectNextCount(1).expectComplete().verify(WAIT);
    }
}
