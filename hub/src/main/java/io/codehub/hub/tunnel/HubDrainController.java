package io.codehub.hub.tunnel;

import io.codehub.hub.apidoc.HubApiDocument;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ApplicationContext;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/hub/drain} (admin): the hub drains as on SIGTERM and then exits. Its readiness
 * answers 503 from then on (a load balancer stops sending it agents and API calls), new tunnels are
 * refused, every agent is asked to reconnect elsewhere and leaves once it has a new session; when the
 * tunnel port has closed, the hub shuts down gracefully (HTTP calls in flight finish). A rolling
 * restart drains one hub after the other.
 */
@RestController
@Tag(name = HubApiDocument.HUB)
public class HubDrainController {

    private static final Logger log = LoggerFactory.getLogger(HubDrainController.class);

    private final TunnelPort port;
    private final ApplicationContext context;

    public HubDrainController(TunnelPort port, ApplicationContext context) {
        this.port = port;
        this.context = context;
    }

    /**
     * The body of {@code POST /api/v1/hub/drain}.
     *
     * @param draining          always true: the hub drains
     * @param sessions          tunnel sessions the hub still holds
     * @param moveGraceSeconds  how long agents get to reconnect elsewhere ({@code CODEHUB_HUB_TUNNEL_MOVE_GRACE})
     * @param drainGraceSeconds how long streams still open after that get ({@code CODEHUB_HUB_TUNNEL_DRAIN_GRACE})
     */
    @Schema(name = "HubDrain")
    public record DrainState(boolean draining, int sessions, long moveGraceSeconds, long drainGraceSeconds) {
    }

    @PostMapping(path = "/api/v1/hub/drain", produces = MediaType.APPLICATION_JSON_VALUE)
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(operationId = "drainHub", summary = "Drain the hub, then stop it",
            description = "What SIGTERM does: readiness answers 503 from now on, new tunnels are refused (503, "
                    + "Retry-After 1 s), every agent is asked to reconnect elsewhere and closes its session here once "
                    + "it has a new one (calls in flight finish); agents still here after CODEHUB_HUB_TUNNEL_MOVE_GRACE "
                    + "get GOAWAY `draining`. Then the hub shuts down gracefully and exits. The answer comes at once; "
                    + "calling it again changes nothing and answers the same.")
    @ApiResponse(responseCode = "202", description = "The hub drains.")
    public DrainState drain() {
        boolean first = !port.draining();
        int sessions = port.sessions();
        if (first) {
            log.info("draining at an admin's request: {} tunnel session(s); the hub stops once they have left", sessions);
            port.drain().whenComplete((v, e) -> {
                Thread exit = new Thread(() -> SpringApplication.exit(context), "hub-exit-after-drain");
                exit.setDaemon(false);
                exit.start();
            });
        }
        return new DrainState(true, sessions, port.moveGrace().toSeconds(), port.drainGrace().toSeconds());
    }
}
