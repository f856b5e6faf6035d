package io.codehub.hub.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class WorkspaceHostTest {

    private static final String DOMAIN = "apps.localhost";
    private static final String ID = "0f8fad5b-d9cb-469f-a165-70867728950e";

    @Test
    void aWorkspaceHostNamesTheWorkspaceAndItsOwnPort() {
        WorkspaceHost host = WorkspaceHost.parse(ID + ".apps.localhost:8081", DOMAIN);

        assertThat(host).isEqualTo(new WorkspaceHost(ID, 0, ID + ".apps.localhost"));
    }

    @Test
    void aPortPrefixNamesAnotherPortOfTheSameWorkspace() {
        assertThat(WorkspaceHost.parse("3000--" + ID + ".APPS.localhost.", DOMAIN))
                .isEqualTo(new WorkspaceHost(ID, 3000, "3000--" + ID + ".apps.localhost"));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {
        "apps.localhost", "localhost", "127.0.0.1", "127.0.0.1:8081", "[::1]:8081", "hub.example.com",
        "x." + ID + ".apps.localhost", ID + ".apps.localhost.evil.com", ID + ".evilapps.localhost",
        "0--" + ID + ".apps.localhost", "65536--" + ID + ".apps.localhost", "03000--" + ID + ".apps.localhost",
        "abc--" + ID + ".apps.localhost", "3000--.apps.localhost", "-bad.apps.localhost", "UPPER_case.apps.localhost",
        ID + ".apps.localhost:0", ID + ".apps.localhost:99999", ID + ".apps.localhost:80:80", ".apps.localhost",
        "169.254.169.254", "0.0.0.0"
    })
    void namesNoWorkspaceOtherwise(String host) {
        assertThat(WorkspaceHost.parse(host, DOMAIN)).isNull();
    }
}
