package io.codehub.hub.db;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import io.r2dbc.spi.Parameters;
import io.r2dbc.spi.Readable;
import org.jspecify.annotations.Nullable;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;

/**
 * The few conversions every repository needs, written once so that H2 and PostgreSQL see the same
 * types: timestamps travel as {@link OffsetDateTime} in UTC ({@code TIMESTAMP WITH TIME ZONE}).
 */
public final class Sql {

    private Sql() {
    }

    /** Binds {@code value}, or a typed null. */
    public static GenericExecuteSpec bind(GenericExecuteSpec spec, String name, @Nullable Object value, Class<?> type) {
        return spec.bind(name, value(value, type));
    }

    /**
     * {@code value} as {@link #bind} binds it (a timestamp in UTC, a typed null), for
     * {@link GenericExecuteSpec#bindValues(java.util.Map)}. A statement with many parameters (a
     * multi-row {@code INSERT}) binds them in that one step: each {@code bind} copies every binding
     * made before it, so binding 1,536 one by one copied about a million map entries.
     */
    public static Object value(@Nullable Object value, Class<?> type) {
        if (value instanceof Instant instant) {
            return instant.atOffset(ZoneOffset.UTC);
        }
        if (value == null) {
            return Parameters.in(type == Instant.class ? OffsetDateTime.class : type);
        }
        return value;
    }

    /** A timestamp column as an {@link Instant}, or null. */
    public static @Nullable Instant instant(Readable row, String column) {
        OffsetDateTime value = row.get(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    /** A non-null timestamp column. */
    public static Instant requiredInstant(Readable row, String column) {
        Instant value = instant(row, column);
        if (value == null) {
            throw new IllegalStateException("column " + column + " is null");
        }
        return value;
    }

    /** A non-null text column. */
    public static String text(Readable row, String column) {
        String value = row.get(column, String.class);
        if (value == null) {
            throw new IllegalStateException("column " + column + " is null");
        }
        return value;
    }

    /** A non-null integer column. */
    public static int integer(Readable row, String column) {
        Number value = row.get(column, Number.class);
        if (value == null) {
            throw new IllegalStateException("column " + column + " is null");
        }
        return value.intValue();
    }

    /** A non-null bigint column. */
    public static long bigint(Readable row, String column) {
        Number value = row.get(column, Number.class);
        if (value == null) {
            throw new IllegalStateException("column " + column + " is null");
        }
        return value.longValue();
    }
}
