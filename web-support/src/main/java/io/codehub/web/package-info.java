/**
 * What the agent and the hub share as WebFlux applications: problem+json responses
 * ({@link io.codehub.web.ProblemResponses}), the one mapping of framework failures to problem
 * types ({@link io.codehub.web.ProblemWebExceptionHandler}), the bearer-token and body-size
 * filters, and the start-up report of an invalid setting ({@link io.codehub.web.ConfigurationException}).
 */
@NullMarked
package io.codehub.web;

import org.jspecify.annotations.NullMarked;
