/** The hub's identity: its ES256 key pair, its id, and the endpoints that publish its public key. */
@NullMarked
package io.codehub.hub.identity;

import org.jspecify.annotations.NullMarked;
