package io.codehub.runtime;

import java.util.List;

/** The body of every list endpoint: {@code {"items": [...]}}, leaving room for paging fields. */
public record ItemList<T>(List<T> items) {

    public ItemList {
        items = List.copyOf(items);
    }
}
