/** RemoteRuntime: the Agent API client that makes every agent a Runtime, over a transport chosen by endpoint scheme. */
@NullMarked
package io.codehub.hub.remote;

import org.jspecify.annotations.NullMarked;
