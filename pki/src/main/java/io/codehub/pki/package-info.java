/**
 * codehub's small certificate authority, used by the hub (to issue and revoke), by the agent (to
 * enrol with a CSR whose key never leaves it) and by the {@code codehub pki} CLI.
 *
 * <p>Entry points: {@link io.codehub.pki.CertificateAuthority} (a CA directory: issue, sign,
 * revoke, CRL, rotation), {@link io.codehub.pki.Csrs} (agent-side key pair and CSR),
 * {@link io.codehub.pki.AgentIdentity} (the {@code spiffe://codehub/agent/<id>} URI SAN),
 * {@link io.codehub.pki.PathValidation} (chain + trust anchors + CRLs at an instant) and
 * {@link io.codehub.pki.Pem} (reading and writing PEM files). Everything else is package-private.
 * Errors a user can cause are {@link io.codehub.pki.PkiException}s with a message that names the
 * file or value at fault.
 */
@NullMarked
package io.codehub.pki;

import org.jspecify.annotations.NullMarked;
