/** Admin authentication of the control plane API: one bearer token, stored only as a hash. */
@NullMarked
package io.codehub.hub.admin;

import org.jspecify.annotations.NullMarked;
