package io.codehub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class HandshakeQueueTest {

    private static final long MAX_WAIT = Duration.ofSeconds(20).toNanos();

    /** Connections named by their source address's last digits; what the queue did with each. */
    private final Map<String, Runnable> started = new LinkedHashMap<>();
    private final List<String> startedAfterWaiting = new ArrayList<>();
    private final List<String> closed = new ArrayList<>();
    /** Connections their clients closed. */
    private final List<String> gone = new ArrayList<>();
    private final AtomicLong now = new AtomicLong();
    private final AtomicInteger told = new AtomicInteger();
    private HandshakesPerAddress slots = new HandshakesPerAddress(1);

    private HandshakeQueue<String> queue(int maxHandshakes, int maxPerAddress, int maxWaiting) {
        slots = new HandshakesPerAddress(maxPerAddress, maxHandshakes);
        HandshakeQueue<String> queue = new HandshakeQueue<>(slots, maxWaiting, MAX_WAIT, now::get,
                new HandshakeQueue.Connections<>() {
                    @Override
                    public InetAddress source(String connection) {
                        return address(connection.split("-")[0]);
                    }

                    @Override
                    public boolean isOpen(String connection) {
                        return !gone.contains(connection);
                    }

                    @Override
                    public void start(String connection, Runnable release, boolean waited) {
                        started.put(connection, release);
                        if (waited) {
                            startedAfterWaiting.add(connection);
                        }
                    }

                    @Override
                    public void close(String connection) {
                        closed.add(connection);
                    }
                });
        queue.watch(told::incrementAndGet);
        return queue;
    }

    private static InetAddress address(String lastDigits) {
        try {
            return InetAddress.getByName("127.0.0." + lastDigits);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void belowTheCapAConnectionStartsAtOnce() {
        HandshakeQueue<String> queue = queue(2, 10, 10);
        queue.accepted("1-a");
        queue.accepted("2-b");

        assertThat(started).containsOnlyKeys("1-a", "2-b");
        assertThat(startedAfterWaiting).isEmpty();
        assertThat(queue.waiting()).isZero();
    }

    @Test
    void atTheCapConnectionsWaitAndStartInArrivalOrderAsSlotsComeBack() {
        HandshakeQueue<String> queue = queue(1, 10, 10);
        queue.accepted("1-holder");
        queue.accepted("2-first");
        queue.accepted("3-second");
        assertThat(started).containsOnlyKeys("1-holder");
        assertThat(queue.waiting()).isEqualTo(2);

        started.get("1-holder").run();
        started.get("1-holder").run(); // a slot given back twice (101, then close) starts one only
        assertThat(startedAfterWaiting).containsExactly("2-first");

        queue.accepted("4-late"); // while others wait, a new one waits behind them, slot or not
        started.get("2-first").run();
        started.get("3-second").run();
        assertThat(startedAfterWaiting).containsExactly("2-first", "3-second", "4-late");
        assertThat(queue.waiting()).isZero();
        assertThat(closed).isEmpty();
    }

    @Test
    void aConnectionThatWaitedTooLongIsClosedAtItsTurnAndTheNextOneStarts() {
        HandshakeQueue<String> queue = queue(1, 10, 10);
        queue.accepted("1-holder");
        queue.accepted("2-stale");
        now.addAndGet(MAX_WAIT - 1);
        queue.accepted("3-fresh");
        now.addAndGet(2);

        started.get("1-holder").run();
        assertThat(closed).containsExactly("2-stale");
        assertThat(startedAfterWaiting).containsExactly("3-fresh");
        assertThat(slots.openFrom(address("2"))).as("the closed one's share given back").isZero();
    }

    @Test
    void aWaitingConnectionCountsAgainstItsAddressShareSoOneAddressCannotFillTheQueue() {
        HandshakeQueue<String> queue = queue(1, 2, 10);
        queue.accepted("1-holder");
        queue.accepted("1-waits");
        queue.accepted("1-past-share"); // one in its handshake and one waiting: the address's share
        queue.accepted("2-other"); // another address has its own share
        assertThat(closed).containsExactly("1-past-share");
        assertThat(queue.waiting()).isEqualTo(2);
        assertThat(slots.openFrom(address("1"))).isEqualTo(2);

        started.get("1-holder").run();
        assertThat(startedAfterWaiting).containsExactly("1-waits");
        queue.accepted("1-again"); // its address holds one now: waits
        assertThat(closed).containsExactly("1-past-share");
        assertThat(queue.waiting()).isEqualTo(2);

        started.get("1-waits").run();
        started.get("2-other").run();
        assertThat(startedAfterWaiting).containsExactly("1-waits", "2-other", "1-again");
        started.get("1-again").run();
        assertThat(slots.openFrom(address("1"))).as("every share given back").isZero();
        assertThat(slots.inProgress()).isZero();
    }

    @Test
    void aFullQueueTellsTheWatcherAndSoDoesItsFirstFreeSpace() {
        HandshakeQueue<String> queue = queue(1, 10, 2);
        queue.accepted("1-holder");
        queue.accepted("2-a");
        assertThat(queue.full()).isFalse();
        assertThat(told.get()).isZero();
        queue.accepted("3-b");
        assertThat(queue.full()).as("two wait: the server stops accepting").isTrue();
        assertThat(told.get()).isEqualTo(1);

        queue.accepted("4-batch"); // read in the accept batch before the pause took effect: waits too
        assertThat(queue.waiting()).isEqualTo(3);

        started.get("1-holder").run();
        assertThat(queue.full()).isTrue();
        started.get("2-a").run();
        assertThat(queue.full()).isFalse();
        assertThat(told.get()).as("told when it stopped being full").isEqualTo(2);
        assertThat(startedAfterWaiting).containsExactly("2-a", "3-b");
    }

    @Test
    void aConnectionItsClientClosedWhileItWaitedIsSkipped() {
        HandshakeQueue<String> queue = queue(1, 10, 10);
        queue.accepted("1-holder");
        queue.accepted("2-gone");
        queue.accepted("3-next");
        gone.add("2-gone");

        started.get("1-holder").run();
        assertThat(startedAfterWaiting).containsExactly("3-next");
        assertThat(closed).as("closed already").isEmpty();
        assertThat(queue.waiting()).isZero();
        assertThat(slots.openFrom(address("2"))).as("its share given back").isZero();
    }

    @Test
    void closingTheServerClosesEveryWaitingConnection() {
        HandshakeQueue<String> queue = queue(1, 10, 10);
        queue.accepted("1-holder");
        queue.accepted("2-a");
        queue.accepted("3-b");

        queue.closeAll();
        assertThat(closed).containsExactly("2-a", "3-b");
        assertThat(queue.waiting()).isZero();
        assertThat(slots.openFrom(address("2"))).isZero();
        started.get("1-holder").run();
        assertThat(startedAfterWaiting).isEmpty();
    }
}
