/** The hub's database: which one (embedded H2 or PostgreSQL), its Flyway migrations and its R2DBC pool. */
@NullMarked
package io.codehub.hub.db;

import org.jspecify.annotations.NullMarked;
