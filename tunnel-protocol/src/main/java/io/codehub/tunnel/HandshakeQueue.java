package io.codehub.tunnel;

import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

import io.codehub.base.Checks;

/**
 * Admits accepted connections to their handshake: at once while {@link HandshakesPerAddress} has a
 * slot free, otherwise in arrival order as handshakes end. A fleet reconnecting after a hub restart
 * arrives faster than the hub can shake hands; the kernel's listen backlog alone holds
 * {@code net.core.somaxconn} connections (4,096 on common systems) and drops the SYNs of the rest,
 * whose clients then wait out SYN retransmissions (1, 3, 7, 15 s...) while the hub has turned idle.
 * Here they wait accepted, at the cost of a socket each and no TLS state, and are started
 * first-come-first-served the moment a slot frees.
 *
 * <h2>Bounds</h2>
 * <ul>
 * <li>At most {@code maxWaiting} wait: at that many the server stops accepting ({@link #watch}),
 *     and new connections wait in the listen backlog as before. The connections of the accept batch
 *     read before the pause took effect (a read's worth, 16 by default) wait all the same.
 * <li>A connection that waited longer than {@code maxWaitNanos} is closed when its turn comes, without
 *     a handshake: its agent has likely given up (it waits six handshake timeouts for the hub's first
 *     byte), and a late handshake would spend the slot for nothing.
 * <li>A waiting connection counts against its address's share ({@code maxHandshakesPerAddress})
 *     as one in its handshake does: a connection accepted while its address holds its share is
 *     closed at once, so one address cannot fill the queue and hold the fleet's place in it.
 * </ul>
 *
 * <p>Thread-safe: connections of every event loop go through one instance; a short lock orders the
 * decision to wait against the slots given back, so a connection never waits while a slot is free.
 *
 * @param <C> the connection
 */
final class HandshakeQueue<C> {

    /** What the queue does with a connection; the server's are channels on their event loops. */
    interface Connections<C> {
        /** The connection's source address, for its address's share. */
        InetAddress source(C connection);

        /** Whether the connection is still open (its client may have given up while it waited). */
        boolean isOpen(C connection);

        /**
         * Starts the handshake of {@code connection}, which holds a slot until {@code release} runs
         * (safe to run more than once). Called on any thread; {@code waited} says whether it waited.
         */
        void start(C connection, Runnable release, boolean waited);

        /** Closes {@code connection} unanswered. Called on any thread. */
        void close(C connection);
    }

    /** A connection waiting for a slot, and the action that gives back its address's share. */
    private record Waiting<C>(C connection, long sinceNanos, Runnable share) {
    }

    private final HandshakesPerAddress slots;
    private final Connections<C> connections;
    private final int maxWaiting;
    private final long maxWaitNanos;
    private final LongSupplier nanoTime;
    /** Guarded by {@code this}. */
    private final ArrayDeque<Waiting<C>> waiting = new ArrayDeque<>();
    private volatile int waitingCount;
    private volatile Runnable watcher = () -> { };

    HandshakeQueue(HandshakesPerAddress slots, int maxWaiting, long maxWaitNanos, LongSupplier nanoTime,
            Connections<C> connections) {
        this.slots = slots;
        this.maxWaiting = Checks.positive("maxWaitingHandshakes", maxWaiting);
        this.maxWaitNanos = maxWaitNanos;
        this.nanoTime = nanoTime;
        this.connections = connections;
    }

    /** A connection was just accepted: starts its handshake, queues it, or closes it. */
    void accepted(C connection) {
        Runnable share = slots.tryAcquireShare(connections.source(connection));
        if (share == null) {
            connections.close(connection);
            return;
        }
        Runnable slot;
        synchronized (this) {
            if (!waiting.isEmpty() || slots.full()) {
                waiting.addLast(new Waiting<>(connection, nanoTime.getAsLong(), share));
                waitingCount = waiting.size();
                if (waitingCount == maxWaiting) {
                    watcher.run();
                }
                return;
            }
            slot = slots.acquireSlot();
        }
        connections.start(connection, releaseThenNext(share, slot), false);
    }

    /**
     * Hands the slot given back to the connection waiting longest: closes those ahead of it that
     * waited too long, skips those whose clients left, and starts the first other one.
     */
    private void next() {
        List<Waiting<C>> closing = new ArrayList<>();
        Waiting<C> started = null;
        Runnable slot = () -> { };
        boolean resume;
        synchronized (this) {
            boolean wasFull = waiting.size() >= maxWaiting;
            long now = nanoTime.getAsLong();
            Waiting<C> w;
            while (started == null && !slots.full() && (w = waiting.pollFirst()) != null) {
                if (!connections.isOpen(w.connection())) {
                    w.share().run(); // its client gave up, and closed it: nothing to start, nor to close
                } else if (now - w.sinceNanos() > maxWaitNanos) {
                    closing.add(w);
                } else {
                    started = w;
                    slot = slots.acquireSlot();
                }
            }
            waitingCount = waiting.size();
            resume = wasFull && waitingCount < maxWaiting;
        }
        if (resume) {
            watcher.run();
        }
        closing.forEach(this::close);
        if (started != null) {
            connections.start(started.connection(), releaseThenNext(started.share(), slot), true);
        }
    }

    private void close(Waiting<C> w) {
        w.share().run();
        connections.close(w.connection());
    }

    private Runnable releaseThenNext(Runnable share, Runnable slot) {
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                share.run();
                slot.run();
                next();
            }
        };
    }

    /** Closes every waiting connection, unanswered: the server is closing. */
    void closeAll() {
        List<Waiting<C>> all;
        synchronized (this) {
            all = new ArrayList<>(waiting);
            waiting.clear();
            waitingCount = 0;
        }
        all.forEach(this::close);
    }

    /**
     * {@code watcher} runs whenever the queue may have become full or stopped being full (on any
     * thread, possibly more often than that): it reads {@link #full()} to decide, so that the last
     * of several racing runs sees the latest state.
     */
    void watch(Runnable value) {
        watcher = value;
    }

    /** Whether {@code maxWaiting} connections wait: the server accepts no more until one starts. */
    boolean full() {
        return waitingCount >= maxWaiting;
    }

    /** Connections accepted and waiting for a handshake slot. */
    int waiting() {
        return waitingCount;
    }
}
