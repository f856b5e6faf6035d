/** Workspaces: the API that records desired state, placement on agents, and the reconciler that drives agents until observed matches desired. */
@NullMarked
package io.codehub.hub.workspaces;

import org.jspecify.annotations.NullMarked;
