package io.codehub.tunnel;

import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;

/**
 * Agent side: where the connector keeps the hub's resumption ticket between connects. The
 * in-memory store survives reconnects (the case that matters: a hub restart); an agent that wants
 * it to survive its own restart persists it. Called on the connector's event loop: implementations
 * must be fast and must not block (write files asynchronously).
 */
public interface TicketStore {

    /** The ticket to present on the next connect, or null to present the API key. */
    @Nullable String load();

    /** Keeps {@code ticket}; null forgets the current one (the hub refused it). */
    void store(@Nullable String ticket);

    /** A store that keeps the ticket in memory only. */
    static TicketStore inMemory() {
        AtomicReference<@Nullable String> ticket = new AtomicReference<>();
        return new TicketStore() {
            @Override
            public @Nullable String load() {
                return ticket.get();
            }

            @Override
            public void store(@Nullable String value) {
                ticket.set(value);
            }

            @Override
            public String toString() {
                return "TicketStore.inMemory{" + (ticket.get() == null ? "empty" : "holding a ticket") + '}';
            }
        };
    }

    /** A store that never keeps a ticket: every connect presents the API key. */
    static TicketStore none() {
        return new TicketStore() {
            @Override
            public @Nullable String load() {
                return null;
            }

            @Override
            public void store(@Nullable String value) {
            }
        };
    }
}
