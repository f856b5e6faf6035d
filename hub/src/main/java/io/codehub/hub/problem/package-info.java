/** RFC 9457 problem+json: the hub's stable problem types and the one place error responses are shaped. */
@NullMarked
package io.codehub.hub.problem;

import org.jspecify.annotations.NullMarked;
