package io.codehub.hub.cluster;

/**
 * A hub whose lease runs.
 *
 * @param id          its {@code CODEHUB_HUB_ID}
 * @param internalUrl where its relay listener is ({@code CODEHUB_HUB_INTERNAL_URL})
 * @param draining    whether it is handing its agents to the other hubs (it takes no new work)
 */
record LiveHub(String id, String internalUrl, boolean draining) {
}
