package io.codehub.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ListenAddressTest {

    @Test
    void parsesHostAndPort() {
        assertThat(ListenAddress.parse("0.0.0.0:8081")).isEqualTo(new ListenAddress("0.0.0.0", 8081));
        assertThat(ListenAddress.parse("[::1]:9000")).isEqualTo(new ListenAddress("::1", 9000));
    }

    @Test
    void explainsWhatIsWrong() {
        assertThatThrownBy(() -> ListenAddress.parse("8081")).hasMessageContaining("expected: host:port");
        assertThatThrownBy(() -> ListenAddress.parse("host:abc")).hasMessageContaining("port is not a number");
        assertThatThrownBy(() -> ListenAddress.parse("host:70000")).hasMessageContaining("expected: 0..65535");
        assertThatThrownBy(() -> ListenAddress.parse("")).hasMessageContaining("missing");
    }
}
