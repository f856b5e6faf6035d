/** The Agent API v1 over HTTP: routes, problem+json errors and the OpenAPI document. */
@NullMarked
package io.codehub.agent.api;

import org.jspecify.annotations.NullMarked;
