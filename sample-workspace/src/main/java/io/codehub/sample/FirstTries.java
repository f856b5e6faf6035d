package io.codehub.sample;

import java.util.HashMap;
import java.util.Map;

/**
 * How many requests each {@code /drop-once} key has had: the first one is dropped, the next are
 * answered. Shared by every connection (a retry comes on a new one). Holds at most
 * {@value #MAX_KEYS} keys; a new key beyond that starts the count over for all.
 *
 * <p>Threading: thread-safe.
 */
final class FirstTries {

    static final int MAX_KEYS = 10_000;

    private final Map<Long, Integer> tries = new HashMap<>();

    /** Counts a request for {@code key}: 1 for its first. */
    synchronized int next(long key) {
        if (tries.size() >= MAX_KEYS && !tries.containsKey(key)) {
            tries.clear();
        }
        return tries.merge(key, 1, Integer::sum);
    }
}
