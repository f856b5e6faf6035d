/**
 * The {@code codehub pki} command line (picocli): a thin layer over {@link
 * io.codehub.pki.CertificateAuthority} that reads options, writes PEM files and turns every user
 * error into one line on stderr and a non-zero exit code (1 for a refused operation, 2 for bad
 * usage).
 */
@NullMarked
package io.codehub.pki.cli;

import org.jspecify.annotations.NullMarked;
