package io.codehub.base;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * The one search of a failure's cause chain. Library exceptions arrive wrapped (Reactor, Netty,
 * Spring, the JDK's {@code HttpClient}, docker-java, fabric8), so a question such as "was the
 * backend unreachable?" is asked of every link, not of the outermost exception only.
 *
 * <p>The chain is walked once per link: a cause that points back into the chain (which
 * {@link Throwable#initCause} does not prevent for longer loops) ends it instead of looping, and
 * at most {@value #MAX_DEPTH} links are followed. Spring's {@code NestedExceptionUtils} covers the
 * root cause only, and the modules without Spring (runtime-api, pki) need the search too.
 */
public final class Causes {

    /** The most links followed; real chains have a handful. */
    public static final int MAX_DEPTH = 64;

    private Causes() {
    }

    /** {@code failure} followed by its causes, outermost first, each once. */
    public static List<Throwable> chain(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = failure; t != null && chain.size() < MAX_DEPTH && seen.add(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    /** The outermost throwable of {@code type} in {@code failure}'s chain, or {@code null}. */
    public static <T extends Throwable> @Nullable T find(Throwable failure, Class<T> type) {
        for (Throwable t : chain(failure)) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    /** Whether {@code failure} or one of its causes is one of {@code types}. */
    @SafeVarargs
    public static boolean any(Throwable failure, Class<? extends Throwable>... types) {
        for (Throwable t : chain(failure)) {
            for (Class<? extends Throwable> type : types) {
                if (type.isInstance(t)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The deepest cause of {@code failure} ({@code failure} itself when it has none). */
    public static Throwable root(Throwable failure) {
        List<Throwable> chain = chain(failure);
        return chain.get(chain.size() - 1);
    }

    /**
     * The words to report for {@code failure}: its root's message (wrappers repeat or hide it), or
     * the root's simple class name when that has none ({@code "TimeoutException"}).
     */
    public static String rootMessage(Throwable failure) {
        Throwable root = root(failure);
        String message = root.getMessage();
        return message == null || message.isBlank() ? root.getClass().getSimpleName() : message;
    }
}
