/**
 * Registration of an agent with its hub before the agent's first start
 * ({@link io.codehub.agent.registration.RegistrationTool}): the one-shot step of the compose file's
 * registration services, which hold the hub's admin token so that the agents never do.
 */
@NullMarked
package io.codehub.agent.registration;

import org.jspecify.annotations.NullMarked;
