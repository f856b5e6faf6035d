package io.codehub.hub.paging;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;

import io.codehub.hub.problem.HubProblemException;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Pages of a list the repository streams in a stable order (agents and workspaces: by creation,
 * then id). A page is at most {@code limit} items (1 to {@value #MAX_LIMIT}, default
 * {@value #DEFAULT_LIMIT}); its {@code next} is the last item's id when more follow, and passing it
 * as {@code after} gives the next page. The stream is read only up to the page's end, so a
 * request never holds more than one page in memory, however long the list.
 */
public final class Pages {

    /** Largest page. */
    public static final int MAX_LIMIT = 1000;
    /** Page size when the request names none. */
    public static final int DEFAULT_LIMIT = 1000;

    private Pages() {
    }

    /**
     * One page of a list.
     *
     * @param items the page's items
     * @param next  the {@code after} of the next page; null on the last page
     */
    public record Page<T>(List<T> items, @Nullable String next) {
    }

    /** The page size of a {@code limit} query parameter (null: the default); 400 {@code validation-failed} when out of range. */
    public static int limit(@Nullable String value) {
        if (value == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(value.trim());
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw HubProblemException.invalid("limit", "'" + shorten(value) + "' (expected: 1 to " + MAX_LIMIT + ")");
    }

    /**
     * The page of {@code all} that follows the item whose id is {@code after} (from the start when
     * null). An {@code after} that names no item of the list (deleted since, or never one) is 400
     * {@code validation-failed}: the client lists again from the start.
     */
    public static <T> Mono<Page<T>> page(Flux<T> all, Function<T, String> id, @Nullable String after, int limit) {
        Flux<T> rest = after == null ? all
                : all.skipUntil(item -> after.equals(id.apply(item))).switchIfEmpty(Mono.error(() ->
                        HubProblemException.invalid("after", "'" + shorten(after) + "' is not an item of this list "
                                + "(deleted since the last page?); list again without after"))).skip(1);
        return rest.take(limit + 1L).collectList().map(found -> {
            if (found.size() <= limit) {
                return new Page<>(List.copyOf(found), null);
            }
            List<T> page = List.copyOf(found.subList(0, limit));
            return new Page<>(page, Objects.requireNonNull(id.apply(page.get(limit - 1))));
        });
    }

    private static String shorten(String value) {
        return value.length() > 40 ? value.substring(0, 40) + "..." : value;
    }
}
