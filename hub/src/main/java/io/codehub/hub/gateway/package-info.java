/**
 * The workspace gateway: people open their workspaces through the hub, by host name
 * ({@code <workspace id>.<apps domain>}, {@code <port>--<workspace id>.<apps domain>}), over HTTP/1.1
 * and WebSocket, on its own Netty listener. A request needs an access session
 * ({@link io.codehub.hub.access}); its target comes only from the hub's registry and the agent's
 * answer, and its bytes go through the agent's tunnel (a CONNECT stream) or straight to a direct
 * agent's upstream. See {@code docs/gateway.md}.
 */
@NullMarked
package io.codehub.hub.gateway;

import org.jspecify.annotations.NullMarked;
