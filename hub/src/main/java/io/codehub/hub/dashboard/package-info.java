/**
 * The dashboard: static pages and scripts served by the hub at {@code /} (docs/dashboard.md), with
 * their libraries from WebJars and the security headers every dashboard answer carries. The pages
 * read the same admin API as any client; nothing here reads data.
 */
@NullMarked
package io.codehub.hub.dashboard;

import org.jspecify.annotations.NullMarked;
