/** The codehub hub: the control plane that registers Runtime Agents and reconciles workspaces on them. */
@NullMarked
package io.codehub.hub;

import org.jspecify.annotations.NullMarked;
