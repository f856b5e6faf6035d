/**
 * Outgoing webhooks: the hub POSTs chosen events of its history ({@link io.codehub.hub.events.EventLog})
 * to operators' URLs, signed with HMAC-SHA256, retried with backoff, one endpoint never holding up
 * another.
 */
@NullMarked
package io.codehub.hub.webhooks;

import org.jspecify.annotations.NullMarked;
