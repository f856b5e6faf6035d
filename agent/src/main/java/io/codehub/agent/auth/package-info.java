/** Verification of the hub-signed bearer tokens that every Agent API call carries. */
@NullMarked
package io.codehub.agent.auth;

import org.jspecify.annotations.NullMarked;
