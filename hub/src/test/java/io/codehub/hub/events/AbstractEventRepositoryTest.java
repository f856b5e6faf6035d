package io.codehub.hub.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;

import io.codehub.hub.support.MutableClock;
import io.codehub.hub.support.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * The event history on every database the hub supports ({@link H2EventRepositoryTest},
 * {@link PostgresEventRepositoryIT}): ids in publication order, paging and filters, the retention
 * sweep's cap, and the stream's replay joined to live events without a gap or a duplicate.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractEventRepositoryTest {

    static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private TestDatabase database;
    private EventRepository repository;
    private final MutableClock clock = new MutableClock(T0);
    private EventLog log;

    /** Opens the database under test. */
    abstract TestDatabase open() throws Exception;

    /** {@code INSERT}s into {@code events} the database has run so far, or -1 where it does not tell. */
    long insertStatementsRun(TestDatabase database) {
        return -1;
    }

    @BeforeAll
    void openDatabase() throws Exception {
        database = open();
        repository = new EventRepository(database.client(), database.json(), database.tx());
        log = new EventLog(repository, clock, 1024, 64);
    }

    @AfterAll
    void closeDatabase() throws Exception {
        if (log != null) {
            log.close();
        }
        if (database != null) {
            database.close();
        }
    }

    private void setClock(Instant at) {
        clock.advance(Duration.between(clock.instant(), at));
    }

    private static String unique() {
        return UUID.randomUUID().toString();
    }

    private Event append(NewEvent event) {
        return log.append(event).block(TIMEOUT);
    }

    @Test
    void aBurstIsStoredInPublicationOrderAndABatchIsOneTransaction() {
        String agent = unique();
        List<Mono<Event>> appended = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            appended.add(log.append(NewEvent.agent(EventType.AGENT_CONNECTED, agent).with("n", Integer.toString(i))));
        }
        List<Event> stored = Flux.concat(appended).collectList().block(TIMEOUT);
        assertThat(stored).hasSize(600);
        assertThat(stored).extracting(event -> event.detail().get("n"))
                .containsExactlyElementsOf(IntStream.range(0, 600).mapToObj(Integer::toString).toList());
        assertThat(stored).extracting(Event::id).isSorted().doesNotHaveDuplicates();

        // One event of a batch that the database refuses (its agent id is longer than the column) takes
        // the batch with it: nothing of it is half written.
        String other = unique();
        NewEvent fine = NewEvent.agent(EventType.AGENT_CONNECTED, other);
        NewEvent tooLong = NewEvent.agent(EventType.AGENT_CONNECTED, "a".repeat(300));
        assertThatThrownBy(() -> repository.insertAll(List.of(fine, tooLong), List.of(T0, T0)).collectList().block(TIMEOUT))
                .isNotNull();
        assertThat(repository.newest(new EventFilter(other, null, Set.of()), null, null, 10).collectList().block(TIMEOUT)).isEmpty();
    }

    @Test
    void morePastTheRowsOfOneStatementAreStoredInOrderAndAllOrNothing() {
        int count = EventRepository.ROWS_PER_STATEMENT * 2 + 88;
        String agent = unique();
        List<NewEvent> events = IntStream.range(0, count)
                .mapToObj(i -> NewEvent.agent(EventType.AGENT_CONNECTED, agent).with("n", Integer.toString(i))).toList();
        List<Instant> times = IntStream.range(0, count).mapToObj(T0::plusSeconds).toList();
        long statementsBefore = insertStatementsRun(database);
        List<Event> stored = repository.insertAll(events, times).collectList().block(TIMEOUT);
        assertThat(stored).hasSize(count);
        if (statementsBefore >= 0) {
            assertThat(insertStatementsRun(database) - statementsBefore).as("600 rows: 256, 256, 64, 16, 8")
                    .isEqualTo(5);
        }
        assertThat(stored).extracting(Event::id).isSorted().doesNotHaveDuplicates();
        List<Event> read = repository.newest(new EventFilter(agent, null, Set.of()), null, null, count).collectList()
                .block(TIMEOUT);
        List<Event> newestFirst = new ArrayList<>(stored);
        Collections.reverse(newestFirst);
        assertThat(read).as("read back newest first: each id with its own event").containsExactlyElementsOf(newestFirst);
        assertThat(read.get(0).detail()).containsEntry("n", Integer.toString(count - 1));
        assertThat(read.get(0).at()).isEqualTo(T0.plusSeconds(count - 1));

        // A refused row in the last statement takes the earlier statements' rows with it.
        String other = unique();
        List<NewEvent> failing = new ArrayList<>(IntStream.range(0, count - 1)
                .mapToObj(i -> NewEvent.agent(EventType.AGENT_CONNECTED, other)).toList());
        failing.add(NewEvent.agent(EventType.AGENT_CONNECTED, "a".repeat(300)));
        assertThatThrownBy(() -> repository.insertAll(failing, times).collectList().block(TIMEOUT)).isNotNull();
        assertThat(repository.newest(new EventFilter(other, null, Set.of()), null, null, 10).collectList().block(TIMEOUT))
                .isEmpty();
    }

    @Test
    void anEventRoundTripsWithItsDetail() {
        String agent = unique();
        Event stored = append(NewEvent.agent(EventType.AGENT_DISCONNECTED, agent).withReason("half-open")
                .with("sessionId", "s-1").with("from", "connected"));
        assertThat(stored.id()).isPositive();
        assertThat(stored.at()).isEqualTo(T0);
        List<Event> read = repository.newest(new EventFilter(agent, null, Set.of()), null, null, 10).collectList()
                .block(TIMEOUT);
        assertThat(read).containsExactly(stored);
        assertThat(read.get(0).detail()).containsEntry("sessionId", "s-1").containsEntry("from", "connected");
        assertThat(read.get(0).reason()).isEqualTo("half-open");
        assertThat(read.get(0).workspaceId()).isNull();
    }

    @Test
    void idsFollowThePublicationOrderEvenFromManyThreads() {
        String agent = unique();
        List<Event> stored = Flux.range(0, 200)
                .flatMap(i -> log.append(NewEvent.agent(EventType.AGENT_UPDATED, agent).with("i", i))
                        .subscribeOn(Schedulers.parallel()), 16)
                .collectList().block(TIMEOUT);
        assertThat(stored).hasSize(200);
        List<Event> newest = repository.newest(new EventFilter(agent, null, Set.of()), null, null, 1000).collectList()
                .block(TIMEOUT);
        assertThat(newest).hasSize(200);
        assertThat(newest).extracting(Event::id).isSortedAccordingTo((a, b) -> Long.compare(b, a));
        // sequential publishers see their own order kept
        String other = unique();
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            log.publish(NewEvent.agent(EventType.AGENT_CONNECTED, other).with("i", i));
        }
        ids.add(append(NewEvent.agent(EventType.AGENT_CONNECTED, other).with("i", 20)).id());
        List<Event> mine = repository.after(0, new EventFilter(other, null, Set.of()), 100).collectList().block(TIMEOUT);
        assertThat(mine).extracting(e -> e.detail().get("i"))
                .containsExactlyElementsOf(IntStream.rangeClosed(0, 20).mapToObj(Integer::toString).toList());
        assertThat(mine.get(20).id()).isEqualTo(ids.get(0));
    }

    @Test
    void filtersAndPagingWalkTheHistoryNewestFirst() {
        String agent = unique();
        String workspace = "ws-" + unique().substring(0, 8);
        List<Event> all = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            setClock(T0.plusSeconds(i));
            all.add(append(i % 2 == 0 ? NewEvent.agent(EventType.AGENT_CONNECTED, agent)
                    : NewEvent.workspace(EventType.WORKSPACE_STATE_CHANGED, workspace, agent).with("to", "RUNNING")));
        }
        EventFilter byAgent = new EventFilter(agent, null, Set.of());
        List<Event> first = repository.newest(byAgent, null, null, 3).collectList().block(TIMEOUT);
        assertThat(first).extracting(Event::id).containsExactly(all.get(6).id(), all.get(5).id(), all.get(4).id());
        List<Event> second = repository.newest(byAgent, null, first.get(2).id(), 3).collectList().block(TIMEOUT);
        assertThat(second).extracting(Event::id).containsExactly(all.get(3).id(), all.get(2).id(), all.get(1).id());

        assertThat(repository.newest(new EventFilter(null, workspace, Set.of()), null, null, 100).collectList()
                .block(TIMEOUT)).extracting(Event::id).containsExactly(all.get(5).id(), all.get(3).id(), all.get(1).id());
        assertThat(repository.newest(new EventFilter(agent, null, Set.of(EventType.AGENT_CONNECTED)), null, null, 100)
                .collectList().block(TIMEOUT)).hasSize(4).allMatch(e -> e.type() == EventType.AGENT_CONNECTED);
        assertThat(repository.newest(new EventFilter(agent, null,
                        Set.of(EventType.AGENT_CONNECTED, EventType.WORKSPACE_STATE_CHANGED)), null, null, 100)
                .collectList().block(TIMEOUT)).hasSize(7);
        assertThat(repository.newest(byAgent, T0.plusSeconds(5), null, 100).collectList().block(TIMEOUT))
                .extracting(Event::id).containsExactly(all.get(6).id(), all.get(5).id());
        assertThat(repository.after(all.get(4).id(), byAgent, 100).collectList().block(TIMEOUT))
                .extracting(Event::id).containsExactly(all.get(5).id(), all.get(6).id());
        setClock(T0);
    }

    @Test
    void theSweepDeletesOnlyOldEventsAndAtMostItsCap() {
        Instant longAgo = Instant.parse("2000-01-01T00:00:00Z");
        String agent = unique();
        setClock(longAgo);
        for (int i = 0; i < 5; i++) {
            append(NewEvent.agent(EventType.AGENT_UPDATED, agent));
        }
        setClock(T0);
        Event recent = append(NewEvent.agent(EventType.AGENT_UPDATED, agent));
        EventSweeper sweeper = new EventSweeper(repository, Duration.ofDays(30), Duration.ofMinutes(5), 3,
                Clock.fixed(T0, ZoneOffset.UTC));
        EventFilter mine = new EventFilter(agent, null, Set.of());
        // other tests' events are at T0 or later: only these five are old
        assertThat(sweeper.sweep().block(TIMEOUT)).isEqualTo(3);
        assertThat(repository.newest(mine, null, null, 100).collectList().block(TIMEOUT)).hasSize(3);
        assertThat(sweeper.sweep().block(TIMEOUT)).isEqualTo(2);
        assertThat(sweeper.sweep().block(TIMEOUT)).isZero();
        assertThat(repository.newest(mine, null, null, 100).collectList().block(TIMEOUT)).containsExactly(recent);
    }

    @Test
    void aStreamReplaysAfterItsCursorThenGoesLiveWithoutGapOrDuplicate() {
        String agent = unique();
        EventFilter mine = new EventFilter(agent, null, Set.of());
        List<Event> before = new ArrayList<>();
        for (int i = 0; i < EventLog.REPLAY_PAGE + 20; i++) { // more than one page of replay
            log.publish(NewEvent.agent(EventType.AGENT_UPDATED, agent).with("i", i));
        }
        before.add(append(NewEvent.agent(EventType.AGENT_UPDATED, agent).with("i", "last")));
        List<Event> stored = repository.after(0, mine, 10_000).collectList().block(TIMEOUT);
        long cursor = stored.get(9).id();
        int live = 30;
        StepVerifier.create(log.stream(cursor, mine).take(stored.size() - 10 + live))
                .expectNextSequence(stored.subList(10, stored.size()))
                .then(() -> {
                    for (int i = 0; i < live; i++) {
                        log.publish(NewEvent.agent(EventType.AGENT_UPDATED, agent).with("live", i));
                        log.publish(NewEvent.agent(EventType.AGENT_UPDATED, unique())); // filtered out
                    }
                })
                .thenConsumeWhile(e -> true, e -> assertThat(e.detail()).containsKey("live"))
                .expectComplete()
                .verify(TIMEOUT);
        List<Event> all = repository.after(cursor, mine, 10_000).collectList().block(TIMEOUT);
        assertThat(all).hasSize(stored.size() - 10 + live);
    }

    @Test
    void eventsPublishedWhileTheReplayRunsAreDeliveredOnce() {
        String agent = unique();
        EventFilter mine = new EventFilter(agent, null, Set.of());
        Event first = append(NewEvent.agent(EventType.AGENT_CONNECTED, agent));
        int total = 300;
        Flux.range(0, total).delayElements(Duration.ofMillis(1))
                .subscribe(i -> log.publish(NewEvent.agent(EventType.AGENT_UPDATED, agent).with("i", i)));
        List<Event> got = log.stream(first.id() - 1, mine).take(total + 1).collectList().block(TIMEOUT);
        assertThat(got).extracting(Event::id).doesNotHaveDuplicates().isSorted();
        assertThat(got.get(0)).isEqualTo(first);
        assertThat(got.subList(1, got.size())).extracting(e -> e.detail().get("i"))
                .containsExactlyElementsOf(IntStream.range(0, total).mapToObj(Integer::toString).toList());
    }

    @Test
    void aSlowLiveSubscriberIsDroppedNotBuffered() {
        String agent = unique();
        StepVerifier.create(log.live().filter(e -> agent.equals(e.agentId())), 0)
                .then(() -> {
                    for (int i = 0; i < 200; i++) { // the buffer holds 64
                        log.publish(NewEvent.agent(EventType.AGENT_UPDATED, agent));
                    }
                })
                .then(() -> await().atMost(TIMEOUT).until(() -> repository.newest(new EventFilter(agent, null, Set.of()),
                        null, null, 1000).count().block(TIMEOUT) == 200))
                .thenRequest(Long.MAX_VALUE)
                .thenConsumeWhile(e -> true)
                .expectError(EventLog.SlowSubscriberException.class)
                .verify(TIMEOUT);
    }
}
