/** The agent registry: registration, API keys (bcrypt, rotation with a grace period), filters and updates. */
@NullMarked
package io.codehub.hub.agents;

import org.jspecify.annotations.NullMarked;
