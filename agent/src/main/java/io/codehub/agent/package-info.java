/**
 * The Runtime Agent: one Agent API handler in front of one local {@link io.codehub.runtime.Runtime}.
 */
@NullMarked
package io.codehub.agent;

import org.jspecify.annotations.NullMarked;
