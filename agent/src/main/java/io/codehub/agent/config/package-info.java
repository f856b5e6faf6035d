/** Typed, validated agent configuration and the start-up failure analysis that explains it. */
@NullMarked
package io.codehub.agent.config;

import org.jspecify.annotations.NullMarked;
