package io.codehub.base;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;

import org.junit.jupiter.api.Test;

class CodehubProblemTypeTest {

    /** The accessors of a record are the interface's methods. */
    record Sample(String slug, int status, String title) implements CodehubProblemType {
    }

    private static final Sample VOLUME_IN_USE = new Sample("volume-in-use", 409, "Volume in use");
    private static final Sample INTERNAL = new Sample("internal", 500, "Internal error");

    @Test
    void theUriIsThePrefixAndTheSlug() {
        // published: agents and API clients match on these bytes
        assertThat(CodehubProblemType.URI_PREFIX).isEqualTo("urn:codehub:problem:");
        assertThat(VOLUME_IN_USE.uri()).isEqualTo(URI.create("urn:codehub:problem:volume-in-use"));
    }

    @Test
    void typesAreFoundBackByTheirUri() {
        var byUri = CodehubProblemType.byUri(new Sample[] {VOLUME_IN_USE, INTERNAL});
        assertThat(byUri).containsEntry("urn:codehub:problem:internal", INTERNAL).hasSize(2);
        assertThat(byUri.get("urn:codehub:problem:unknown")).isNull();
    }

    @Test
    void twoTypesWithOneUriAreRefused() {
        assertThatThrownBy(() -> CodehubProblemType.byUri(new Sample[] {INTERNAL, INTERNAL}))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("two problem types are urn:codehub:problem:internal");
    }
}
