/** The hub's certificate authority: opened from {@code CODEHUB_HUB_PKI_*}, its trust bundle and CRLs served. */
@NullMarked
package io.codehub.hub.pki;

import org.jspecify.annotations.NullMarked;
