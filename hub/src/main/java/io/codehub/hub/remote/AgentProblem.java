package io.codehub.hub.remote;

import org.jspecify.annotations.Nullable;

/** An RFC 9457 body as an agent sends it; every field optional because it comes from the network. */
record AgentProblem(@Nullable String type, @Nullable String title, @Nullable Integer status, @Nullable String detail) {
}
