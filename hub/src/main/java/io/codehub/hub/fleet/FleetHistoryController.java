package io.codehub.hub.fleet;

import java.util.List;

import io.codehub.hub.apidoc.HubApiDocument;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/v1/fleet/history} (admin): this hub's recent {@link FleetHistory}. */
@RestController
@Tag(name = HubApiDocument.FLEET)
public class FleetHistoryController {

    private final FleetHistory history;

    public FleetHistoryController(FleetHistory history) {
        this.history = history;
    }

    /**
     * The body of the history.
     *
     * @param intervalSeconds how often a sample is taken ({@code CODEHUB_HUB_FLEET_SAMPLE_INTERVAL})
     * @param maxSamples      how many samples are kept at most (the window divided by the interval)
     * @param samples         the samples, oldest first
     */
    public record FleetHistoryView(long intervalSeconds, int maxSamples, List<FleetSample> samples) {
    }

    @GetMapping("/api/v1/fleet/history")
    @Operation(operationId = "getFleetHistory", summary = "Connected tunnels and round-trip times over the last hour",
            description = "Sampled in memory by this hub (every 10 s over one hour by default): the agents with a "
                    + "tunnel session to this hub and the median and largest round-trip time of their last keepalive "
                    + "PING. A hub restart starts an empty history; with several hubs each answers for its own "
                    + "tunnels.")
    @ApiResponse(responseCode = "200", description = "The samples, oldest first.")
    public FleetHistoryView history() {
        return new FleetHistoryView(history.interval().toSeconds(), history.capacity(), history.samples());
    }
}
