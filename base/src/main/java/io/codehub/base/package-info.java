/**
 * What every codehub module shares and no other module could hold without dragging in its own
 * dependencies: {@link io.codehub.base.Checks} (argument checks in the house message format),
 * {@link io.codehub.base.Causes} (the search of a cause chain) and
 * {@link io.codehub.base.CodehubProblemType} (the shape and URI prefix of problem types). Plain
 * JDK, no dependencies: tunnel-protocol (Netty only), runtime-api and pki all build on it.
 */
@NullMarked
package io.codehub.base;

import org.jspecify.annotations.NullMarked;
