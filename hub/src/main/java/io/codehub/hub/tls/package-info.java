/**
 * TLS of the hub's own listeners (the tunnel port, the workspace gateway): contexts built from
 * files an operator renews in place, reloaded when they change.
 */
@NullMarked
package io.codehub.hub.tls;

import org.jspecify.annotations.NullMarked;
