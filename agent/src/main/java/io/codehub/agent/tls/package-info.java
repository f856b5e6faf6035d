/**
 * The agent's TLS credentials: the client certificate it presents on the tunnel (read from
 * {@code CODEHUB_AGENT_TLS_DIR}, or enrolled and renewed through the hub's tunnel port), and TLS
 * with the hub's client-certificate check on the direct listener. See {@code docs/agent-tls.md}.
 */
@NullMarked
package io.codehub.agent.tls;

import org.jspecify.annotations.NullMarked;
