package io.codehub.hub;

import io.codehub.tunnel.NettyDefaults;
import io.codehub.web.ReactorNettyDefaults;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/** Starts the control plane: {@code bin/codehub hub}. */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class HubApplication {

    public static void main(String[] args) {
        NettyDefaults.apply();
        ReactorNettyDefaults.apply();
        SpringApplication.run(HubApplication.class, args);
    }

    /** The hub's version, from the jar manifest; {@code dev} when run from classes. */
    public static String version() {
        String version = HubApplication.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
