package io.codehub.base;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;

import io.codehub.base.CodehubProblemType.Definition;
import org.junit.jupiter.api.Test;

class CodehubProblemTypeTest {

    /** The pattern of every problem-type enum. */
    enum Sample implements CodehubProblemType {
        VOLUME_IN_USE("volume-in-use", 409, "Volume in use"),
        INTERNAL("internal", 500, "Internal error");

        private final Definition definition;

        Sample(String slug, int status, String title) {
            this.definition = new Definition(slug, status, title);
        }

        @Override
        public Definition definition() {
            return definition;
        }
    }

    @Test
    void theUriIsThePrefixAndTheSlug() {
        // published: agents and API clients match on these bytes
        assertThat(CodehubProblemType.URI_PREFIX).isEqualTo("urn:codehub:problem:");
        assertThat(Sample.VOLUME_IN_USE.uri()).isEqualTo(URI.create("urn:codehub:problem:volume-in-use"));
        assertThat(Sample.VOLUME_IN_USE.slug()).isEqualTo("volume-in-use");
        assertThat(Sample.VOLUME_IN_USE.status()).isEqualTo(409);
        assertThat(Sample.VOLUME_IN_USE.title()).isEqualTo("Volume in use");
    }

    @Test
    void typesAreFoundBackByTheirUri() {
        var byUri = CodehubProblemType.byUri(Sample.values());
        assertThat(byUri).containsEntry("urn:codehub:problem:internal", Sample.INTERNAL).hasSize(2);
        assertThat(byUri.get("urn:codehub:problem:unknown")).isNull();
    }

    @Test
    void twoTypesWithOneUriAreRefused() {
        assertThatThrownBy(() -> CodehubProblemType.byUri(new Sample[] {Sample.INTERNAL, Sample.INTERNAL}))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("two problem types are urn:codehub:problem:internal");
    }

    @Test
    void aDefinitionIsValidatedOnce() {
        assertThatThrownBy(() -> new Definition("Volume In Use", 409, "Volume in use"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("slug: 'Volume In Use' (expected: lower-case words joined by '-')");
        assertThatThrownBy(() -> new Definition("ok", 200, "OK")).hasMessage("status: 200 (expected: 400..599)");
        assertThatThrownBy(() -> new Definition("gone", 410, " ")).hasMessage("title: ' ' (expected: not blank)");
    }
}
