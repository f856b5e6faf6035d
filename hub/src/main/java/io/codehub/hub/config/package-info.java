/** Typed, validated hub configuration and the start-up failure analysis that explains it. */
@NullMarked
package io.codehub.hub.config;

import org.jspecify.annotations.NullMarked;
