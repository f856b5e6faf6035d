package io.codehub.agent;

import io.codehub.tunnel.NettyDefaults;
import io.codehub.web.ReactorNettyDefaults;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Starts a Runtime Agent: {@code bin/codehub agent}. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class AgentApplication {

    public static void main(String[] args) {
        NettyDefaults.apply();
        ReactorNettyDefaults.apply();
        SpringApplication.run(AgentApplication.class, args);
    }

    /** The agent's version, from the jar manifest; {@code dev} when run from classes. */
    public static String version() {
        String version = AgentApplication.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
